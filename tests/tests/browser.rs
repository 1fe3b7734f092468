//! The exports of the demo and the small fixture in a real browser:
//! headless Chromium (the system's, from the `chromium` Debian package that
//! `.ci/run` installs), driven by its command line. For every HTML page:
//! every local `href` and `src` names a file of the export (checked here),
//! the page loads without a console message, and every `<img>` decodes
//! (`naturalWidth > 0`, checked by a small script that opens each page in
//! an iframe). Screenshots of `export_results.html` and a chat page are
//! written to `target/tmp/browser/` (CI artifacts). Skipped, saying so,
//! when Chromium is not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Server, everything, export, options, out_dir};
use crate::util::small_world;

/// The Chromium binary: `$CHROMIUM`, else the first of the usual names on
/// the `PATH`.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Every `*.html` file under `root`, relative, sorted.
fn pages(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = crate::harness::tree(root)
        .into_keys()
        .filter(|k| k.ends_with(".html"))
        .collect();
    out.sort();
    out
}

/// The values of every `href="…"` and `src="…"` attribute of `html`.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" href=\"", " src=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            rest = &rest[at + attr.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            out.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    out
}

/// `%XX` escapes and the HTML entities the writers use, decoded.
fn decode(link: &str) -> String {
    crate::output::percent_decode(&crate::output::unescape_html(link))
}

/// Every local link and source of every page names a file inside `root`.
fn check_links(root: &Path, pages: &[String]) -> usize {
    let root = root.canonicalize().unwrap();
    let mut checked = 0;
    for page in pages {
        let html = std::fs::read_to_string(root.join(page)).unwrap();
        let dir = root.join(page).parent().unwrap().to_owned();
        for link in links(&html) {
            let external = [
                "http:",
                "https:",
                "mailto:",
                "tel:",
                "tg:",
                "javascript:",
                "data:",
            ]
            .iter()
            .any(|s| link.starts_with(s));
            let path = link.split(['#', '?']).next().unwrap_or("");
            if external || path.is_empty() {
                continue;
            }
            let target = dir.join(decode(path));
            let found = target.canonicalize();
            assert!(
                found
                    .as_ref()
                    .is_ok_and(|t| t.starts_with(&root) && t.is_file()),
                "{page}: the link {link:?} names no file of the export"
            );
            checked += 1;
        }
    }
    checked
}

/// Runs Chromium headless with `args` (bounded: killed after two
/// minutes); its stdout and stderr.
fn run_chromium(chromium: &Path, profile: &Path, args: &[String]) -> (String, String) {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within two minutes: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (reader.join().unwrap(), err_reader.join().unwrap())
}

/// The page that opens every export page in an iframe, waits for its
/// images and writes `RESULT [{page, images, broken}]` into the document.
fn harness_html(pages: &[String]) -> String {
    let list = serde_json::to_string(pages).unwrap();
    format!(
        r#"<!DOCTYPE html><html><body><pre id="out">pending</pre><script>
const pages = {list};
const results = [];
let i = 0;
function next() {{
  if (i >= pages.length) {{
    document.getElementById("out").textContent = "RESULT " + JSON.stringify(results);
    return;
  }}
  const page = pages[i++];
  const frame = document.createElement("iframe");
  frame.style.width = "1000px";
  frame.style.height = "800px";
  frame.onload = () => {{
    const doc = frame.contentDocument;
    if (!doc) {{
      results.push({{page, error: "no access to the page"}});
      frame.remove();
      next();
      return;
    }}
    const images = Array.from(doc.images);
    let tries = 0;
    (function wait() {{
      if (images.every(im => im.complete) || tries++ > 500) {{
        const broken = images.filter(im => !(im.naturalWidth > 0)).map(im => im.getAttribute("src"));
        results.push({{page, images: images.length, broken}});
        frame.remove();
        next();
      }} else {{
        setTimeout(wait, 10);
      }}
    }})();
  }};
  frame.src = "export/" + page;
  document.body.appendChild(frame);
}}
next();
</script></body></html>"#
    )
}

/// Checks one export in Chromium; the number of images that decoded.
fn check_in_chromium(chromium: &Path, name: &str, tmp: &Path, root: &Path) -> usize {
    let pages = pages(root);
    assert!(
        pages.iter().any(|p| p == "export_results.html"),
        "{pages:?}"
    );
    let links = check_links(root, &pages);
    assert!(links > 0, "{name}: no local links");

    let harness = tmp.join("harness.html");
    std::fs::write(&harness, harness_html(&pages)).unwrap();
    let profile = tmp.join("chromium-profile");
    let (dom, log) = run_chromium(
        chromium,
        &profile,
        &[
            "--virtual-time-budget=60000".into(),
            "--dump-dom".into(),
            format!("file://{}", harness.display()),
        ],
    );
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "{name}: console messages:\n{}",
        console.join("\n")
    );
    let result = dom
        .split("RESULT ")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap_or_else(|| panic!("{name}: the check did not finish:\n{dom}\n{log}"));
    let result = result
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let results: Vec<serde_json::Value> = serde_json::from_str(&result).unwrap();
    assert_eq!(results.len(), pages.len(), "{name}: every page checked");
    let mut images = 0;
    for r in &results {
        assert!(r.get("error").is_none(), "{name}: {r}");
        let broken = r["broken"].as_array().unwrap();
        assert!(
            broken.is_empty(),
            "{name}: {}: images that do not decode: {broken:?}",
            r["page"]
        );
        images += r["images"].as_u64().unwrap() as usize;
    }

    // Screenshots: the entry page and the chat page with the most images.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    let chat = results
        .iter()
        .filter(|r| r["page"].as_str().unwrap().starts_with("chats/"))
        .max_by_key(|r| r["images"].as_u64())
        .map(|r| r["page"].as_str().unwrap().to_owned());
    for (shot, page, height) in [
        (
            "export_results",
            Some("export_results.html".to_owned()),
            1000,
        ),
        ("chat", chat, 3000),
    ] {
        let Some(page) = page else { continue };
        let png = shots.join(format!("{name}_{shot}.png"));
        let _ = std::fs::remove_file(&png);
        run_chromium(
            chromium,
            &profile,
            &[
                format!("--window-size=1000,{height}"),
                "--virtual-time-budget=10000".into(),
                format!("--screenshot={}", png.display()),
                format!("file://{}", root.join(&page).display()),
            ],
        );
        assert!(png.is_file(), "{name}: screenshot of {page} written");
        eprintln!("{name}: screenshot of {page}: {}", png.display());
    }
    images
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_and_small_exports_render_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "SKIPPED: the browser check needs Chromium, which is not installed \
             (apt-get install chromium, or set CHROMIUM to its path)"
        );
        return;
    };
    let demo = tg_mock_server::demo_world().unwrap();
    for (name, world) in [("demo", demo), ("small", small_world())] {
        let server = Server::start(world).await;
        let (tmp, out) = out_dir();
        let (result, _) = export(&server, everything(&out, 4), &options()).await;
        result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let (chromium, tmp_path) = (chromium.clone(), tmp.path().to_owned());
        let images = tokio::task::spawn_blocking(move || {
            check_in_chromium(&chromium, name, &tmp_path, &out)
        })
        .await
        .unwrap();
        assert!(images > 3, "{name}: {images} images");
        eprintln!("{name}: every page loads cleanly; {images} images decode");
        drop(tmp);
    }
}

#[test]
fn links_are_found_and_decoded() {
    let html =
        r#"<a href="chats/a%20b.html#m1"><img src="x&amp;y.jpg"></a><a href="https://t.me">"#;
    assert_eq!(
        links(html),
        ["chats/a%20b.html#m1", "https://t.me", "x&amp;y.jpg"]
    );
    assert_eq!(decode("a%20b&amp;c%2"), "a b&c%2");
}
