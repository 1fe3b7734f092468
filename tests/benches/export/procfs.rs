//! What Linux says of a process: peak RSS and CPU seconds.

/// A field of `/proc/<which>/status` in kB (Linux), 0 if unknown.
pub(crate) fn proc_status_kb(which: &str, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{which}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// CPU seconds (user, system) a process used so far (Linux), 0 if unknown.
pub(crate) fn cpu_secs(pid: &str) -> Cpu {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    Cpu {
        user: ticks(11) as f64 / 100.0,
        sys: ticks(12) as f64 / 100.0,
    }
}

/// CPU seconds in user space and in the kernel.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cpu {
    pub(crate) user: f64,
    pub(crate) sys: f64,
}

impl std::ops::Sub for Cpu {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self {
            user: self.user - o.user,
            sys: self.sys - o.sys,
        }
    }
}

impl std::fmt::Display for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2} s ({:.2} user, {:.2} kernel)",
            self.user + self.sys,
            self.user,
            self.sys
        )
    }
}

/// Resets this process's peak RSS to its current RSS (Linux 4.0+).
pub(crate) fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
