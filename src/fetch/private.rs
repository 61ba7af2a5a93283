//! The private-address policy (SSRF): a page can put any URL in a next-page link or a redirect,
//! so URLs that come from content may not reach loopback, private or link-local addresses (the
//! machine itself, its network, cloud metadata services) unless the source's own configured URL is
//! on such an address (a site on the intranet, a test server on 127.0.0.1) or `[fetch]
//! allow_private = true`. Host names are resolved and every address checked before the request;
//! the client resolves again to connect, so a name that changes its answer in between (DNS
//! rebinding) is not covered.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use super::FetchError;

/// Whether `url` names a private host itself: an address in a private range, or `localhost`.
pub fn is_private_url(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => private_v4(ip),
        Some(Host::Ipv6(ip)) => private_v6(ip),
        Some(Host::Domain(d)) => is_localhost(d),
        None => false,
    }
}

fn is_localhost(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
}

fn private_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return private_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link local
}

fn private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => private_v6(v6),
    }
}

/// Fails when `url` reaches a private address.
pub(super) async fn refuse_private(url: &Url) -> Result<(), FetchError> {
    let refused = |addr: String| FetchError::Private {
        url: url.clone(),
        addr,
    };
    match url.host() {
        Some(Host::Ipv4(ip)) if private_v4(ip) => Err(refused(ip.to_string())),
        Some(Host::Ipv6(ip)) if private_v6(ip) => Err(refused(ip.to_string())),
        Some(Host::Domain(d)) if is_localhost(d) => Err(refused(d.to_string())),
        Some(Host::Domain(d)) => {
            let port = url.port_or_known_default().unwrap_or(80);
            // A name that does not resolve is left for the client to report.
            let Ok(addrs) = tokio::net::lookup_host((d, port)).await else {
                return Ok(());
            };
            for a in addrs {
                if private_ip(a.ip()) {
                    return Err(refused(format!("{d} = {}", a.ip())));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_hosts_are_told_from_public_ones() {
        let private = [
            "http://127.0.0.1:8080/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://0.0.0.0/",
            "http://100.64.1.1/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost:3000/",
            "http://api.localhost/",
        ];
        for u in private {
            assert!(is_private_url(&Url::parse(u).unwrap()), "{u}");
        }
        for u in [
            "https://example.org/",
            "http://8.8.8.8/",
            "http://[2001:db8::1]/",
            "http://100.128.0.1/",
        ] {
            assert!(!is_private_url(&Url::parse(u).unwrap()), "{u}");
        }
    }

    #[tokio::test]
    async fn literal_private_addresses_are_refused_without_a_lookup() {
        let e = refuse_private(&Url::parse("http://169.254.169.254/x").unwrap())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("169.254.169.254"), "{e}");
        assert!(
            refuse_private(&Url::parse("http://93.184.216.34/").unwrap())
                .await
                .is_ok()
        );
    }
}
