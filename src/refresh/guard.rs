//! The layout-change guard: a redesign often leaves a selector matching a few wrong things (a
//! sidebar, a teaser) instead of nothing, and publishing that would bury a feed's real entries
//! under junk. A page 1 with fewer items than `min_items`, or than `min_ratio` of the last good
//! run's page 1, fails the source and keeps its feed, unless the run is forced for it.

use crate::pipeline::{self, Read};
use crate::source::Source;

use super::RefreshError;

/// Fails when `first` (page 1 as read) has too few items for `source`, given `last` (page 1's
/// items in the last good run) and whether the user forced the source.
pub(super) fn check(
    source: &Source,
    first: &Read,
    last: Option<usize>,
    forced: bool,
) -> Result<(), RefreshError> {
    let found = first.listing.entries.len();
    let guard = source.guard;
    let below_min = guard.min_items.filter(|&m| found < m);
    let below_share = last.filter(|&l| (found as f64) < l as f64 * guard.min_ratio);
    // Nothing at all is said better by the caller ("matched nothing").
    if forced || found == 0 || (below_min.is_none() && below_share.is_none()) {
        return Ok(());
    }
    let matched = match pipeline::item_selector(source, first) {
        Some(css) => format!("selector `{css}` matched {found} items"),
        None => format!("the listing gave {found} items"),
    };
    let why = match (below_min, below_share) {
        (Some(m), _) => format!("fewer than min_items = {m}"),
        (None, Some(l)) => format!(
            "last good run: {l}; fewer than min_ratio = {} of it",
            guard.min_ratio
        ),
        (None, None) => unreachable!("returned above"),
    };
    Err(RefreshError::Guard(format!(
        "{matched} ({why}): the page may have changed its layout, so the feed is kept as it \
         was; check with `tagfeed preview --source {}`, and if the page is right publish with \
         `tagfeed run --force {}`",
        source.name, source.name
    )))
}
