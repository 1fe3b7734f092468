//! Opening connections: directly, or through a SOCKS5 proxy; MTProxy
//! addresses and links.

pub mod mtproxy;
pub mod socks5;

pub use mtproxy::{MtProxy, MtProxyError};
pub use socks5::Socks5Proxy;
