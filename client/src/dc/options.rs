//! Where each data center is: Telegram's built-in tables, a custom server
//! (the mock server), and the table `help.getConfig` returns.
//!
//! Addresses from Telegram Desktop's built-in lists (`kBuiltInDcs`,
//! `kBuiltInDcsTest` in `mtproto_dc_options.cpp`), see
//! docs/architecture.md#dc-addresses.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Which Telegram the client talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Network {
    /// Telegram's production servers.
    Production,
    /// Telegram's test servers (separate accounts, test phone numbers).
    Test,
    /// Another server, such as the mock server: its first DC's address.
    Custom(SocketAddr),
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Production => write!(f, "production"),
            Self::Test => write!(f, "test"),
            Self::Custom(addr) => write!(f, "custom server {addr}"),
        }
    }
}

/// The DC a new client connects to first.
pub const DEFAULT_DC: i32 = 2;

const PRODUCTION: [(i32, [u8; 4]); 5] = [
    (1, [149, 154, 175, 50]),
    (2, [149, 154, 167, 51]),
    (3, [149, 154, 175, 100]),
    (4, [149, 154, 167, 91]),
    (5, [149, 154, 171, 5]),
];

const TEST: [(i32, [u8; 4]); 3] = [
    (1, [149, 154, 175, 10]),
    (2, [149, 154, 167, 40]),
    (3, [149, 154, 175, 117]),
];

/// One address of a DC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DcAddress {
    /// The DC's number.
    pub dc_id: i32,
    /// Where to connect.
    pub addr: SocketAddr,
    /// Only for file downloads (`media_only` in `dcOption`).
    pub media_only: bool,
}

/// The known addresses of every DC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DcTable {
    network: Network,
    dcs: BTreeMap<i32, Vec<DcAddress>>,
}

impl DcTable {
    /// The built-in table for `network`. A custom network starts with its
    /// one address as DC 2 (the default); `help.getConfig` fills in the rest.
    pub fn builtin(network: &Network) -> Self {
        let from = |list: &[(i32, [u8; 4])]| {
            list.iter()
                .map(|&(dc_id, ip)| {
                    let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), 443);
                    (
                        dc_id,
                        vec![DcAddress {
                            dc_id,
                            addr,
                            media_only: false,
                        }],
                    )
                })
                .collect()
        };
        let dcs = match network {
            Network::Production => from(&PRODUCTION),
            Network::Test => from(&TEST),
            Network::Custom(addr) => BTreeMap::from([(
                DEFAULT_DC,
                vec![DcAddress {
                    dc_id: DEFAULT_DC,
                    addr: *addr,
                    media_only: false,
                }],
            )]),
        };
        Self {
            network: network.clone(),
            dcs,
        }
    }

    /// Which Telegram this table is for.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The address for ordinary requests to `dc_id`.
    pub fn address(&self, dc_id: i32) -> Option<SocketAddr> {
        let list = self.dcs.get(&dc_id)?;
        list.iter()
            .find(|a| !a.media_only)
            .or(list.first())
            .map(|a| a.addr)
    }

    /// The address for file downloads from `dc_id` (media-only preferred).
    pub fn media_address(&self, dc_id: i32) -> Option<SocketAddr> {
        let list = self.dcs.get(&dc_id)?;
        list.iter()
            .find(|a| a.media_only)
            .or(list.first())
            .map(|a| a.addr)
    }

    /// The DC numbers known.
    pub fn dc_ids(&self) -> impl Iterator<Item = i32> + '_ {
        self.dcs.keys().copied()
    }

    /// Replaces the table with the IPv4, non-CDN options of a
    /// `help.getConfig` answer (DCs it does not mention are kept).
    pub fn update_from_config(&mut self, config: &tl::enums::Config) {
        let tl::enums::Config::Config(config) = config;
        let mut fresh: BTreeMap<i32, Vec<DcAddress>> = BTreeMap::new();
        for option in &config.dc_options {
            let tl::enums::DcOption::DcOption(o) = option;
            if o.ipv6 || o.cdn || o.tcpo_only || o.secret.is_some() {
                continue;
            }
            let Ok(ip) = o.ip_address.parse::<Ipv4Addr>() else {
                continue;
            };
            let Ok(port) = u16::try_from(o.port) else {
                continue;
            };
            fresh.entry(o.id).or_default().push(DcAddress {
                dc_id: o.id,
                addr: SocketAddr::new(IpAddr::V4(ip), port),
                media_only: o.media_only,
            });
        }
        for (dc, list) in fresh {
            self.dcs.insert(dc, list);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl::types;

    #[test]
    fn builtin_tables() {
        let prod = DcTable::builtin(&Network::Production);
        assert_eq!(prod.address(2).unwrap().to_string(), "149.154.167.51:443");
        assert_eq!(prod.dc_ids().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        let test = DcTable::builtin(&Network::Test);
        assert_eq!(test.address(2).unwrap().to_string(), "149.154.167.40:443");
        assert_eq!(test.address(4), None);
        let custom = DcTable::builtin(&Network::Custom("127.0.0.1:4430".parse().unwrap()));
        assert_eq!(
            custom.address(DEFAULT_DC).unwrap().to_string(),
            "127.0.0.1:4430"
        );
    }

    #[test]
    fn config_replaces_addresses_and_skips_unusable_ones() {
        let mut table = DcTable::builtin(&Network::Custom("127.0.0.1:1".parse().unwrap()));
        let option = |id, ip: &str, port, f: fn(&mut types::DcOption)| {
            let mut o = types::DcOption {
                id,
                ip_address: ip.into(),
                port,
                ..Default::default()
            };
            f(&mut o);
            tl::enums::DcOption::from(o)
        };
        let config = tl::enums::Config::from(types::Config {
            dc_options: vec![
                option(2, "127.0.0.1", 5002, |_| {}),
                option(4, "127.0.0.1", 5004, |_| {}),
                option(4, "127.0.0.1", 6004, |o| o.media_only = true),
                option(4, "::1", 7004, |o| o.ipv6 = true),
                option(5, "127.0.0.1", 5005, |o| o.cdn = true),
                option(3, "not an ip", 5003, |_| {}),
            ],
            ..Default::default()
        });
        table.update_from_config(&config);
        assert_eq!(table.address(2).unwrap().port(), 5002);
        assert_eq!(table.address(4).unwrap().port(), 5004);
        assert_eq!(table.media_address(4).unwrap().port(), 6004);
        assert_eq!(table.address(5), None);
        assert_eq!(table.address(3), None);
    }
}
