//! Opening connections: directly, or through a SOCKS5 proxy.

pub mod socks5;

pub use socks5::Socks5Proxy;
