//! A server that speaks another API layer than ours, told apart from other
//! failures of the first call of a connection (the one wrapped in
//! `invokeWithLayer(initConnection(..))`). A pure decision; `Client`
//! (`client/mod.rs`) asks it.
//!
//! What servers answer, and what we rely on:
//!
//! - `400 CONNECTION_LAYER_INVALID` ("Layer invalid", listed for many
//!   methods, e.g. <https://core.telegram.org/method/contacts.resolveUsername>;
//!   Telegram Desktop resends the request with `initConnection` on it,
//!   <https://github.com/telegramdesktop/tdesktop/blob/dev/Telegram/SourceFiles/mtproto/mtp_instance.cpp>)
//!   and `400 INPUT_LAYER_INVALID` ("The provided layer is invalid", the
//!   known error of `invokeWithLayer`,
//!   <https://tl.telethon.dev/methods/invoke_with_layer.html>). We send
//!   `initConnection` on the first call of every connection already, so
//!   on that call either means the server refuses our layer. Neither names
//!   the server's layer.
//! - Servers may answer with constructors of another layer than the
//!   connection's (<https://core.telegram.org/api/invoking#layers>: "the
//!   API may return constructors from older layers"). An answer to the
//!   first call whose outermost object has a constructor id our layer
//!   does not know is such an answer: the server speaks another layer.
//! - The mock server refuses a layer it does not serve with
//!   `400 LAYER_NOT_SUPPORTED_SERVED_<min>_<max>`: the layers it serves.
//!
//! Any other `*LAYER*` error is taken as a refusal too, and its numbers as
//! the layers the server serves.

use std::fmt;

use crate::rpc::InvocationError;

/// The server does not speak our layer ([`tl::LAYER`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerMismatch {
    /// Our layer.
    pub ours: i32,
    /// The layers the server says it serves (`min..=max`), if it says.
    pub served: Option<(i32, i32)>,
    /// The call it answered.
    pub call: &'static str,
    /// What it answered (the error, or the unknown constructor).
    pub answer: String,
}

impl fmt::Display for LayerMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server does not speak API layer {}, the layer of this program: ",
            self.ours
        )?;
        match self.served {
            Some((min, max)) if min == max => write!(f, "it serves layer {min}")?,
            Some((min, max)) => write!(f, "it serves layers {min} to {max}")?,
            None => write!(f, "it speaks another layer (it did not say which)")?,
        }
        write!(
            f,
            " ({} to {}); use a tg-takeout of the server's layer, or another server",
            self.answer, self.call
        )
    }
}

/// Whether `error`, the answer to the first call of a connection
/// (`request`: its TL bytes, wrappers included; `body`: the answer's, when
/// it came), means the server speaks another layer.
pub fn mismatch(
    request: &[u8],
    body: Option<&[u8]>,
    error: &InvocationError,
) -> Option<LayerMismatch> {
    // The innermost call, inside `invokeWithLayer(initConnection(..))`.
    let call = tl::peel::peel(request)
        .ok()
        .and_then(|p| tl::name_for_id(p.method_id))
        .unwrap_or("the first call");
    match error {
        InvocationError::Rpc(e) if e.name.contains("LAYER") => {
            let message = e.message();
            let numbers: Vec<i32> = message
                .split('_')
                .filter_map(|part| part.parse().ok())
                .collect();
            let served = match numbers.as_slice() {
                [] => None,
                [only] => Some((*only, *only)),
                [first, .., last] => Some((*first, *last)),
            };
            Some(LayerMismatch {
                ours: tl::LAYER,
                served,
                call,
                answer: format!("it answered {} {message}", e.code),
            })
        }
        InvocationError::Deserialize(tl::DeserializeError::UnexpectedConstructor {
            id, ..
        }) => {
            let outer = body?.get(..4)?;
            let outer = u32::from_le_bytes([outer[0], outer[1], outer[2], outer[3]]);
            (outer == *id && tl::name_for_id(*id).is_none()).then(|| LayerMismatch {
                ours: tl::LAYER,
                served: None,
                call,
                answer: format!(
                    "it answered an object of constructor {id:#010x}, unknown in our layer"
                ),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::RpcError;
    use tl::Serializable as _;

    fn config() -> Vec<u8> {
        tl::functions::help::GetConfig {}.to_bytes()
    }

    #[test]
    fn refusals_name_both_layers_when_the_server_says() {
        let e = RpcError::parse(400, "LAYER_NOT_SUPPORTED_SERVED_200_200").into();
        let m = mismatch(&config(), None, &e).expect("a mismatch");
        assert_eq!(m.served, Some((200, 200)));
        let text = m.to_string();
        assert!(text.contains(&format!("layer {}", tl::LAYER)), "{text}");
        assert!(text.contains("serves layer 200"), "{text}");
        assert!(text.contains("help.getConfig"), "{text}");
        let e = RpcError::parse(400, "LAYER_NOT_SUPPORTED_SERVED_229_231").into();
        let m = mismatch(&config(), None, &e).unwrap();
        assert!(m.to_string().contains("serves layers 229 to 231"));
        for name in ["CONNECTION_LAYER_INVALID", "INPUT_LAYER_INVALID"] {
            let e = RpcError::parse(400, name).into();
            let m = mismatch(&config(), None, &e).expect(name);
            assert_eq!(m.served, None);
            assert!(m.to_string().contains(name), "{m}");
            assert!(m.to_string().contains("did not say which"), "{m}");
        }
    }

    #[test]
    fn an_unknown_outermost_constructor_is_another_layer_an_inner_one_is_not() {
        let unknown = 0x0bad_c0de_u32;
        assert!(tl::name_for_id(unknown).is_none());
        let e = InvocationError::Deserialize(tl::DeserializeError::UnexpectedConstructor {
            id: unknown,
            expected: "Config",
        });
        let body = [unknown.to_le_bytes().as_slice(), &[0; 8]].concat();
        let m = mismatch(&config(), Some(&body), &e).expect("a mismatch");
        assert!(m.to_string().contains("0x0badc0de"), "{m}");
        // The same id deeper in a known object: a bad object, not a layer.
        let config_id = tl::functions::help::GetConfig {}.to_bytes();
        let inner = [
            &[0x11, 0x22, 0x33, 0x44],
            &config_id[..],
            &unknown.to_le_bytes(),
        ]
        .concat();
        assert_eq!(mismatch(&config(), Some(&inner), &e), None);
        assert_eq!(mismatch(&config(), None, &e), None);
        // Other errors are not about layers.
        let other = RpcError::parse(400, "PHONE_NUMBER_INVALID").into();
        assert_eq!(mismatch(&config(), None, &other), None);
        assert_eq!(mismatch(&config(), None, &InvocationError::Dropped), None);
    }
}
