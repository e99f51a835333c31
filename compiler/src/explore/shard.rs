//! Shards: `--shard i/n` runs every n-th point starting at i (round robin, so each shard gets a
//! mix of cheap and expensive points), and [`merge`] puts shard outputs back together into
//! exactly the single run's result.

use super::output::{read_results, Results};
use crate::{Error, Result};
use std::path::PathBuf;

/// Shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// Shards in all.
    pub count: usize,
}

impl Shard {
    /// Parses `i/n` with `0 <= i < n`.
    pub fn parse(text: &str) -> std::result::Result<Shard, String> {
        let parsed = text
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if index < count => Ok(Shard { index, count }),
            _ => Err(format!(
                "`{text}` is not a shard: give i/n with 0 <= i < n, e.g. 0/4"
            )),
        }
    }

    /// Whether point `index` belongs to this shard.
    pub fn contains(self, index: usize) -> bool {
        index % self.count == self.index
    }
}

/// Merges the results in shard output directories: they must come from the same sweep and
/// together hold every point exactly once.
pub fn merge(dirs: &[PathBuf]) -> Result<Results> {
    let mut parts = dirs.iter().map(|d| read_results(d));
    let Some(first) = parts.next() else {
        return Err(Error::Usage("--merge needs at least one directory".into()));
    };
    let mut merged = first?;
    for (dir, part) in dirs.iter().skip(1).zip(parts) {
        let part = part?;
        if part.sweep != merged.sweep || part.total != merged.total {
            return Err(Error::Usage(format!(
                "{}: not a shard of the same sweep as {}",
                dir.display(),
                dirs[0].display()
            )));
        }
        merged.points.extend(part.points);
    }
    merged
        .points
        .sort_by_key(|p| p["point"]["index"].as_u64().unwrap_or(u64::MAX));
    let complete = merged.points.len() == merged.total
        && merged
            .points
            .iter()
            .enumerate()
            .all(|(i, p)| p["point"]["index"].as_u64() == Some(i as u64));
    if !complete {
        return Err(Error::Usage(format!(
            "the shards hold {} points of the sweep's {}, or some twice: merge every shard once",
            merged.points.len(),
            merged.total
        )));
    }
    merged.shard = None;
    Ok(merged)
}
