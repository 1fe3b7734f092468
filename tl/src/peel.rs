//! The wrappers a client puts around a call (`invokeWithLayer`,
//! `initConnection`, `invokeWithTakeout`, ...), and [`peel`], which finds
//! the call inside them without copying it.
//!
//! One list for every part of the project: the sender names the innermost
//! method in its errors, the mock server's dispatcher, fault script and
//! replay find the method to serve, and the recorder writes the innermost
//! call with the takeout id and message range it came in.

use std::fmt;

use crate::de::{Cursor, Deserializable, DeserializeError};
use crate::functions::{
    InitConnection, InvokeAfterMsg, InvokeAfterMsgs, InvokeWithLayer, InvokeWithMessagesRange,
    InvokeWithTakeout, InvokeWithoutUpdates,
};
use crate::{Identifiable, RemoteCall, Serializable};

/// Every wrapper [`peel`] removes: constructor id and TL name.
pub const WRAPPERS: [(u32, &str); 7] = [
    (InvokeWithLayer::<Rest>::CONSTRUCTOR_ID, "invokeWithLayer"),
    (InitConnection::<Rest>::CONSTRUCTOR_ID, "initConnection"),
    (
        InvokeWithoutUpdates::<Rest>::CONSTRUCTOR_ID,
        "invokeWithoutUpdates",
    ),
    (InvokeAfterMsg::<Rest>::CONSTRUCTOR_ID, "invokeAfterMsg"),
    (InvokeAfterMsgs::<Rest>::CONSTRUCTOR_ID, "invokeAfterMsgs"),
    (
        InvokeWithTakeout::<Rest>::CONSTRUCTOR_ID,
        "invokeWithTakeout",
    ),
    (
        InvokeWithMessagesRange::<Rest>::CONSTRUCTOR_ID,
        "invokeWithMessagesRange",
    ),
];

/// Nesting deeper than this is refused ([`PeelError::TooDeep`]).
pub const MAX_WRAPPERS: usize = 16;

/// Whether `name` is the TL name of a wrapper.
pub fn is_wrapper(name: &str) -> bool {
    WRAPPERS.iter().any(|(_, n)| *n == name)
}

/// The name of the wrapper with constructor id `id`, if it is one.
pub fn wrapper_name(id: u32) -> Option<&'static str> {
    WRAPPERS.iter().find(|(w, _)| *w == id).map(|(_, n)| *n)
}

/// A request with its wrappers peeled off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Peeled<'a> {
    /// The inner call's constructor id.
    pub method_id: u32,
    /// The inner call's bytes (constructor id first), borrowed from the
    /// request.
    pub query: &'a [u8],
    /// The wrappers, outermost first.
    pub wrappers: Vec<&'static str>,
    /// `invokeWithLayer`'s layer.
    pub layer: Option<i32>,
    /// Whether `initConnection` was among the wrappers.
    pub init_connection: bool,
    /// `invokeWithTakeout`'s id.
    pub takeout: Option<i64>,
    /// `invokeWithMessagesRange`'s `(min_id, max_id)`.
    pub range: Option<(i32, i32)>,
}

/// Why a request could not be peeled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeelError {
    /// Fewer than 4 bytes where a constructor id should be, at byte `at`.
    NoId {
        /// Offset in the request.
        at: usize,
    },
    /// The wrapper at byte `at` does not decode.
    Wrapper {
        /// Offset in the request.
        at: usize,
        /// The wrapper's TL name.
        name: &'static str,
        /// What is wrong.
        error: DeserializeError,
    },
    /// More than [`MAX_WRAPPERS`] wrappers.
    TooDeep,
}

impl PeelError {
    /// Where the part that failed starts in the request.
    pub fn at(&self) -> Option<usize> {
        match self {
            Self::NoId { at } | Self::Wrapper { at, .. } => Some(*at),
            Self::TooDeep => None,
        }
    }
}

impl fmt::Display for PeelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoId { at } => write!(f, "no constructor id at byte {at}"),
            Self::Wrapper { at, name, error } => write!(f, "{name} at byte {at}: {error}"),
            Self::TooDeep => write!(f, "more than {MAX_WRAPPERS} nested wrappers"),
        }
    }
}

impl std::error::Error for PeelError {}

/// A wrapper's query read as nothing: decoding `W<Rest>` reads the
/// wrapper's own fields and leaves the cursor at its query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rest;

impl Serializable for Rest {
    fn serialize(&self, _: &mut Vec<u8>) {}
}

impl Deserializable for Rest {
    const MIN_SIZE: usize = 0;
    fn deserialize(_: &mut Cursor<'_>) -> Result<Self, DeserializeError> {
        Ok(Rest)
    }
}

impl RemoteCall for Rest {
    type Return = Rest;
}

/// Finds the call inside the wrappers of `request` (pure, no copy).
pub fn peel(request: &[u8]) -> Result<Peeled<'_>, PeelError> {
    let mut p = Peeled::default();
    let mut at = 0;
    loop {
        let rest = &request[at..];
        let mut cur = Cursor::new(rest);
        let id = cur.peek_u32().map_err(|_| PeelError::NoId { at })?;
        let Some(name) = wrapper_name(id) else {
            p.method_id = id;
            p.query = rest;
            return Ok(p);
        };
        let bad = |error| PeelError::Wrapper { at, name, error };
        match id {
            InvokeWithLayer::<Rest>::CONSTRUCTOR_ID => {
                p.layer = Some(
                    InvokeWithLayer::<Rest>::deserialize(&mut cur)
                        .map_err(bad)?
                        .layer,
                );
            }
            InitConnection::<Rest>::CONSTRUCTOR_ID => {
                InitConnection::<Rest>::deserialize(&mut cur).map_err(bad)?;
                p.init_connection = true;
            }
            InvokeWithoutUpdates::<Rest>::CONSTRUCTOR_ID => {
                InvokeWithoutUpdates::<Rest>::deserialize(&mut cur).map_err(bad)?;
            }
            InvokeAfterMsg::<Rest>::CONSTRUCTOR_ID => {
                InvokeAfterMsg::<Rest>::deserialize(&mut cur).map_err(bad)?;
            }
            InvokeAfterMsgs::<Rest>::CONSTRUCTOR_ID => {
                InvokeAfterMsgs::<Rest>::deserialize(&mut cur).map_err(bad)?;
            }
            InvokeWithTakeout::<Rest>::CONSTRUCTOR_ID => {
                let w = InvokeWithTakeout::<Rest>::deserialize(&mut cur).map_err(bad)?;
                p.takeout = Some(w.takeout_id);
            }
            _ => {
                let w = InvokeWithMessagesRange::<Rest>::deserialize(&mut cur).map_err(bad)?;
                let crate::enums::MessageRange::MessageRange(r) = w.range;
                p.range = Some((r.min_id, r.max_id));
            }
        }
        if p.wrappers.len() == MAX_WRAPPERS {
            return Err(PeelError::TooDeep);
        }
        p.wrappers.push(name);
        at += cur.position();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions;

    fn history() -> functions::messages::GetHistory {
        functions::messages::GetHistory {
            limit: 10,
            ..Default::default()
        }
    }

    #[test]
    fn every_wrapper_is_peeled_and_its_fields_kept() {
        let inner = history().to_bytes();
        let body = functions::InvokeWithLayer {
            layer: 230,
            query: functions::InitConnection {
                api_id: 1,
                device_model: "d".into(),
                query: functions::InvokeWithoutUpdates {
                    query: functions::InvokeAfterMsg {
                        msg_id: 5,
                        query: functions::InvokeAfterMsgs {
                            msg_ids: vec![1, 2],
                            query: functions::InvokeWithTakeout {
                                takeout_id: 7,
                                query: functions::InvokeWithMessagesRange {
                                    range: crate::types::MessageRange {
                                        min_id: 3,
                                        max_id: 9,
                                    }
                                    .into(),
                                    query: history(),
                                },
                            },
                        },
                    },
                },
                ..Default::default()
            },
        }
        .to_bytes();
        let p = peel(&body).unwrap();
        assert_eq!(p.query, &inner[..]);
        assert_eq!(p.method_id, functions::messages::GetHistory::CONSTRUCTOR_ID);
        assert_eq!(p.layer, Some(230));
        assert!(p.init_connection);
        assert_eq!(p.takeout, Some(7));
        assert_eq!(p.range, Some((3, 9)));
        let names: Vec<&str> = WRAPPERS.iter().map(|(_, n)| *n).collect();
        assert_eq!(p.wrappers, names);
        for (id, name) in WRAPPERS {
            assert_eq!(crate::name_for_id(id), Some(name));
            assert!(is_wrapper(name));
        }
        assert!(!is_wrapper("messages.getHistory"));
    }

    #[test]
    fn a_bare_call_is_its_own_innermost() {
        let inner = history().to_bytes();
        let p = peel(&inner).unwrap();
        assert_eq!(p.query, &inner[..]);
        assert!(p.wrappers.is_empty());
        assert_eq!(p.takeout, None);
    }

    #[test]
    fn broken_requests_are_errors_naming_where() {
        assert_eq!(peel(&[1, 2]), Err(PeelError::NoId { at: 0 }));
        let mut body = InvokeWithTakeout::<Rest>::CONSTRUCTOR_ID
            .to_le_bytes()
            .to_vec();
        body.extend([1, 2, 3]);
        assert!(matches!(
            peel(&body),
            Err(PeelError::Wrapper {
                at: 0,
                name: "invokeWithTakeout",
                ..
            })
        ));
        // A wrapper with nothing inside.
        let body = functions::InvokeWithTakeout {
            takeout_id: 1,
            query: Rest,
        }
        .to_bytes();
        assert_eq!(peel(&body), Err(PeelError::NoId { at: 12 }));
        let mut deep = history().to_bytes();
        for _ in 0..=MAX_WRAPPERS {
            let mut w = InvokeWithoutUpdates::<Rest>::CONSTRUCTOR_ID
                .to_le_bytes()
                .to_vec();
            w.extend(deep);
            deep = w;
        }
        assert_eq!(peel(&deep), Err(PeelError::TooDeep));
    }
}
