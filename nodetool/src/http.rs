//! The process-wide HTTP client.
//!
//! Building a `reqwest::Client` loads and parses the system's CA store (milliseconds and
//! hundreds of allocations), so it is built once per process, on first use, and shared:
//! every [`ProcessingContext`](crate::workflows::ProcessingContext) without a client of its
//! own and every chat provider without one use it. Clones share one connection pool.
//!
//! ```
//! let a = nodetool::http::shared_client();
//! let b = nodetool::http::shared_client();
//! assert!(std::ptr::eq(a, b));
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

static SHARED: OnceLock<reqwest::Client> = OnceLock::new();
static BUILT: AtomicUsize = AtomicUsize::new(0);

/// The client shared by the whole process, built on first use: connect timeout 30 s, idle
/// read timeout 300 s (a silent server does not hold a node forever), and redirects followed
/// only within the same host and port (at most 5), so credentials in custom headers never
/// follow a redirect elsewhere.
pub fn shared_client() -> &'static reqwest::Client {
    SHARED.get_or_init(build_client)
}

/// How many times this process has built the shared client (0 or 1): lets tests prove that
/// contexts, runs and providers share it instead of building their own.
#[doc(hidden)]
pub fn shared_client_builds() -> usize {
    BUILT.load(Ordering::Relaxed)
}

fn build_client() -> reqwest::Client {
    BUILT.fetch_add(1, Ordering::Relaxed);
    let same_host = reqwest::redirect::Policy::custom(|attempt| {
        let origin =
            |u: &reqwest::Url| (u.host_str().map(str::to_owned), u.port_or_known_default());
        let first = attempt.previous().first().map(origin);
        let next = origin(attempt.url());
        if attempt.previous().len() >= 5 || first != Some(next) {
            attempt.stop()
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .read_timeout(Duration::from_secs(300))
        .redirect(same_host)
        .build()
        // Building fails only when the TLS back end cannot initialise; the default client
        // then fails the same way on each request, with the reason.
        .unwrap_or_default()
}
