//! A pipelined segment's whole run, band by band, on the units its stages share
//! (`docs/cost-model.md` §7, `R`). The program runs stage `k` on image `t − k` in step `t`, and
//! its dependencies are on the addresses it touches (`docs/isa.md` §3): a band of a stage waits
//! for the rows it reads from the stages before it, not for their whole image, and every
//! transfer, ring copy and piece of vector work waits for its unit. Running the stages' chains
//! ([`ChainStep`]s) over the images step by step in that order, with both, gives the fill, the
//! steady state and the drain as one: the first images' bands flow through the stages row by
//! row while the stages ahead of them already compete for the DRAM channel and the buffer port
//! with the images behind.

use super::fill::{producers, Producer};
use super::steady::{Bursts, ChainStep, SharedUnits};
use crate::program::bands::{band_reads, Reads};
use crate::program::Program;
use std::ops::Range;

/// Images run one by one at most beyond the stages: a longer batch's further images take the
/// period the images ran at while every stage was busy (the mean over the last
/// [`PERIOD_IMAGES`] of them).
const EXTRA_IMAGES: u64 = 48;
/// Images the period of a batch longer than what is run is measured over.
const PERIOD_IMAGES: u64 = 16;

/// One stage of the segment as the run sees it.
struct RunStage<'a> {
    /// Its chain; the first step is its crossbar layer's bands when `banded`.
    chain: &'a [ChainStep],
    banded: bool,
    /// Bands of its crossbar layer.
    bands: u64,
    /// What it reads from the stages before it: from which, and how much per band.
    reads: Vec<(&'a [Producer], Reads)>,
    /// The latency of its last store, after its chain.
    final_store_ns: f64,
}

/// When a stage had stored an image's rows: after each piece of its bands, and all of it.
#[derive(Debug, Clone, Default)]
struct Stored {
    bands: Vec<f64>,
    end: f64,
}

impl Stored {
    /// When `reach` of the rows of `producer`'s result were stored (band by band when it stores
    /// them so, else at its end); 0 when nothing is read.
    fn rows(&self, producer: &Producer, bands: u64, reach: f64) -> f64 {
        if reach <= 0.0 {
            return 0.0;
        }
        match (producer.image, self.bands.len() as u64) {
            (Some(image), pieces) if pieces > 0 => {
                let band = image.band_completing(bands, reach);
                self.bands[(((band + 1) * pieces).div_ceil(bands.max(1)) - 1) as usize]
            }
            _ => self.end,
        }
    }
}

/// The compute phase of the segment over `range` of `program` running `images` images, its
/// stages running `chains` (`super::steady::chain_steps`) with their crossbar layers in
/// `bands` bands and the latencies of their last stores `final_stores`, ns: until the last
/// stage has stored the last image.
pub(super) fn run_ns(
    program: &Program,
    range: Range<usize>,
    chains: &[Vec<ChainStep>],
    (bands, final_stores): (&[u64], &[f64]),
    (images, bursts): (u64, Bursts),
) -> f64 {
    let producers = producers(program, range.clone());
    let stages: Vec<RunStage> = range
        .clone()
        .enumerate()
        .map(|(k, s)| RunStage {
            chain: &chains[k],
            banded: program.stages[s].mvm.is_some(),
            bands: bands[k].max(1),
            reads: band_reads(program, s)
                .into_iter()
                .filter_map(|(layer, how)| Some((producers.get(&layer)?.as_slice(), how)))
                .collect(),
            final_store_ns: final_stores[k],
        })
        .collect();
    let n = range.len();
    let run = images.clamp(1, (n as u64).saturating_add(EXTRA_IMAGES)) as usize;
    let ends = run_images(&stages, run, bursts);
    let last = ends.last().copied().unwrap_or(0.0);
    if images as usize <= run {
        return last;
    }
    // The images every stage was busy with (the last `n - 1` finished in the drain).
    let full = run - n;
    let from = full.saturating_sub(PERIOD_IMAGES as usize);
    let period = (ends[full] - ends[from]) / (full - from).max(1) as f64;
    last + (images - run as u64) as f64 * period
}

/// Runs `images` images through `stages` in the program's order of steps; returns when the
/// segment had finished each image (all its stages had stored it).
fn run_images(stages: &[RunStage], images: usize, bursts: Bursts) -> Vec<f64> {
    let n = stages.len();
    let mut shared = SharedUnits::new(bursts);
    let mut stored: Vec<Vec<Stored>> = vec![vec![Stored::default(); images]; n];
    // Per stage: when its last image's compute ended, and when it had copied and stored it.
    let (mut computed, mut done) = (vec![0.0f64; n], vec![0.0f64; n]);
    let mut finished = vec![0.0f64; images];
    for step in 0..images + n - 1 {
        let active = (0..n).filter(|&k| step >= k && step - k < images);
        let earliest = active
            .clone()
            .map(|k| computed[k])
            .fold(f64::INFINITY, f64::min);
        shared.forget_before(earliest);
        for k in active {
            let m = step - k;
            let image = run_stage(
                &stages[k],
                (&stored, m),
                &mut shared,
                (computed[k], done[k]),
            );
            (computed[k], done[k]) = (image.0, image.1.end);
            finished[m] = finished[m].max(image.1.end + stages[k].final_store_ns);
            stored[k][m] = image.1;
        }
    }
    finished
}

/// When the rows piece `r` of step `step` of `stage` reads of image `m` (`stored`) are there: the
/// rows its windows (and a vector stage's operands) read, and the rows of a join's other operand,
/// which the program loads beside the band and which hold up only its end (the join and what
/// follows it). A band reads its share of its operands; the first piece after the bands, all of
/// them; the others, nothing new.
fn needed(
    stage: &RunStage,
    (stored, m): (&[Vec<Stored>], usize),
    (step, banded, r): (&ChainStep, bool, u64),
) -> (f64, f64) {
    let last_band = ((r + 1) * stage.bands).div_ceil(step.repeat) - 1;
    let (mut rows, mut joined) = (0.0f64, 0.0f64);
    for (producers, how) in &stage.reads {
        let (reach, wait) = match (banded, how) {
            (true, Reads::AfterBands) => continue,
            (true, Reads::Rows(_)) => (how.reach(stage.bands, last_band), &mut joined),
            (true, how) => (how.reach(stage.bands, last_band), &mut rows),
            (false, _) if r == 0 => (1.0, &mut rows),
            (false, _) => continue,
        };
        for p in producers.iter() {
            *wait = wait.max(stored[p.position][m].rows(p, stage.bands, reach));
        }
    }
    (rows, joined)
}

/// Stage `stage` on image `m` (the images its producers stored, `stored`), from its last
/// image's compute end and copies' end on: when its compute ended and when it stored what.
fn run_stage(
    stage: &RunStage,
    image: (&[Vec<Stored>], usize),
    shared: &mut SharedUnits,
    (computed, previous): (f64, f64),
) -> (f64, Stored) {
    let (mut clock, mut compute_end) = (computed, computed);
    let mut out = Stored::default();
    for (i, step) in stage.chain.iter().enumerate() {
        let banded = stage.banded && i == 0;
        for r in 0..step.repeat {
            let (rows, joined) = needed(stage, image, (step, banded, r));
            let (computed, copied) = shared.run(step, clock.max(rows), previous);
            (compute_end, clock) = (computed.max(joined), copied.max(joined));
            if banded {
                out.bands.push(clock);
            }
        }
    }
    out.end = clock;
    (compute_end, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` stages, each reading the whole result of the one before and running `step`.
    fn chain_of(n: usize, step: &ChainStep) -> (Vec<Vec<ChainStep>>, Vec<Producer>) {
        let chains = vec![vec![*step]; n];
        let producers = (0..n)
            .map(|position| Producer {
                position,
                image: None,
            })
            .collect();
        (chains, producers)
    }

    fn stages<'a>(chains: &'a [Vec<ChainStep>], producers: &'a [Producer]) -> Vec<RunStage<'a>> {
        chains
            .iter()
            .enumerate()
            .map(|(k, chain)| RunStage {
                chain,
                banded: false,
                bands: 1,
                reads: match k {
                    0 => Vec::new(),
                    k => vec![(&producers[k - 1..k], Reads::Whole)],
                },
                final_store_ns: 0.0,
            })
            .collect()
    }

    /// Stages that share nothing: the first image passes them one after another, then one
    /// image per slowest stage.
    #[test]
    fn a_run_without_shared_work_fills_then_keeps_the_pace_of_its_stages() {
        let work = ChainStep {
            chain_ns: 10.0,
            repeat: 1,
            ..ChainStep::default()
        };
        let (chains, producers) = chain_of(3, &work);
        let ends = run_images(&stages(&chains, &producers), 5, Bursts::default());
        assert_eq!(ends, vec![30.0, 40.0, 50.0, 60.0, 70.0]);
    }

    /// Stages whose loads share the DRAM channel: once the pipeline is full each image takes
    /// the channel's time for all of them, more than any stage alone.
    #[test]
    fn the_shared_channel_sets_the_pace_once_the_pipeline_is_full() {
        let loading = ChainStep {
            read_ns: 6.0,
            chain_ns: 4.0,
            repeat: 1,
            ..ChainStep::default()
        };
        let (chains, producers) = chain_of(3, &loading);
        let ends = run_images(&stages(&chains, &producers), 40, Bursts::default());
        let period = (ends[30] - ends[10]) / 20.0;
        assert!((period - 18.0).abs() < 1e-9, "{period}");
        // The first image waits for the loads of the images behind it, which the program
        // issues first in each step.
        assert!(ends[0] > 30.0, "{}", ends[0]);
    }
}
