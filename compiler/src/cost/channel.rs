//! The DRAM channel in a pipeline's steady state. The stages of a pipelined segment share the
//! one channel, and each stage's chain waits for its own transfers: a layer loads its operands,
//! computes, and stores its result, band by band for the crossbar layer and what follows it in
//! the buffer (`program::bands`), whole for the other vector layers. Whether the stages' transfers
//! collide or interleave depends on how the stages drift against each other, so the period is
//! found by running the steady state as the program does (`docs/cost-model.md` §7, `Q`):
//! equal stages that start an image together queue their transfers; a stage with slack drifts
//! until its transfers fall into the others' compute.

use super::model::{Port, StageCost};
use super::units::{dram_stream_time, vector_time};
use crate::program::rings::Rings;
use crate::program::Program;
use pim_runtime::target::Target;

/// One step of a stage's chain: stream `read_ns` on the channel, work `chain_ns`, stream
/// `write_ns`; `repeat` times one after another (a banded layer's bands).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChannelStep {
    pub read_ns: f64,
    pub chain_ns: f64,
    pub write_ns: f64,
    pub repeat: u64,
}

impl ChannelStep {
    /// This step (done once) in `chunks` equal parts one after another, at most [`MAX_CHUNKS`]
    /// (more are grouped, consecutive chunks per part).
    fn in_chunks(self, chunks: u64) -> ChannelStep {
        let repeat = chunks.clamp(1, MAX_CHUNKS);
        let part = |ns: f64| ns / repeat as f64;
        ChannelStep {
            read_ns: part(self.read_ns),
            chain_ns: part(self.chain_ns),
            write_ns: part(self.write_ns),
            repeat,
        }
    }

    /// Work that moves nothing over the channel.
    fn work(chain_ns: f64) -> ChannelStep {
        ChannelStep {
            chain_ns,
            repeat: 1,
            ..ChannelStep::default()
        }
    }
}

/// Bands or chunks of a layer run as steps at most: more are grouped, consecutive ones per step
/// (as in the fill, `super::fill`).
const MAX_CHUNKS: u64 = 16;

/// Pipeline steps run to find the period; it is the mean over the second half.
const PERIOD_STEPS: usize = 32;

/// The chain of stage `s` of `program` (cost `cost`, crossbar time `mvm_ns` in `bands` bands,
/// its segment keeping `rings` on chip) as [`ChannelStep`]s, adding up to its
/// [`stage_time`](super::model::stage_time) less the latency of its last store, which the next
/// image overlaps (taken off the chain before it): its
/// ring copies in, its crossbar layer with the layers that follow it band by band (each band
/// loads its share, computes, stores its share; the DRAM latencies of their transfers on the
/// chain), each other layer of its epilogue (load, compute, store), its ring copies out.
pub fn channel_steps(
    program: &Program,
    (s, target, rings): (usize, &Target, &Rings),
    cost: &StageCost,
    (mvm_ns, bands, share): (f64, u64, u64),
) -> Vec<ChannelStep> {
    let stage = &program.stages[s];
    let latency = target.dram.latency_ns;
    let mut banded = ChannelStep::work(mvm_ns);
    let mut steps = vec![ChannelStep::work(cost.copy_in_ns)];
    for (id, traffic) in program.layer_traffic(s, target, rings) {
        let work = program.layers[id]
            .vector()
            .map_or(0.0, |w| vector_time(target, w));
        let step = ChannelStep {
            read_ns: dram_stream_time(target, traffic.read_bytes),
            chain_ns: work + traffic.transfers as f64 * latency,
            write_ns: dram_stream_time(target, traffic.write_bytes),
            repeat: 1,
        };
        if stage.banded(id) {
            banded.read_ns += step.read_ns;
            banded.chain_ns += step.chain_ns;
            banded.write_ns += step.write_ns;
        } else {
            let staged = program.layers[id].input_elements.max(1);
            steps.push(step.in_chunks(staged.div_ceil(share.max(1))));
        }
    }
    if stage.mvm.is_some() {
        steps.insert(1, banded.in_chunks(bands));
    }
    steps.push(ChannelStep::work(cost.copy_out_ns));
    if let Some(last) = steps.iter_mut().rev().find(|s| s.write_ns > 0.0) {
        let overlapped = cost.final_store_ns / last.repeat as f64;
        last.chain_ns = (last.chain_ns - overlapped).max(0.0);
    }
    steps.retain(|s| s.read_ns + s.chain_ns + s.write_ns > 0.0);
    steps
}

/// The period of a pipeline whose stages run `chains` ([`channel_steps`]) on one DRAM channel,
/// from [`PERIOD_STEPS`] steps of it run as the program runs them: in each, the stages in
/// program order each start an image once they have finished the previous one and the stage
/// before has stored it (at the previous step), and each transfer streams in the channel's first
/// free gap from when it is ready. 0 when no stage moves anything over the channel.
pub fn channel_period_ns(chains: &[Vec<ChannelStep>]) -> f64 {
    let moves = |s: &ChannelStep| s.read_ns > 0.0 || s.write_ns > 0.0;
    if !chains.iter().flatten().any(moves) {
        return 0.0;
    }
    let mut channel = Port::default();
    let mut stored = vec![0.0f64; chains.len()];
    let mut ends = Vec::with_capacity(PERIOD_STEPS);
    for _ in 0..PERIOD_STEPS {
        let mut upstream = 0.0f64;
        for (chain, stored) in chains.iter().zip(stored.iter_mut()) {
            let mut clock = stored.max(upstream);
            upstream = *stored;
            for step in chain {
                for _ in 0..step.repeat {
                    clock = channel.fit(clock, step.read_ns) + step.chain_ns;
                    clock = channel.fit(clock, step.write_ns);
                }
            }
            *stored = clock;
        }
        ends.push(stored.iter().copied().fold(0.0, f64::max));
    }
    let half = PERIOD_STEPS / 2;
    (ends[PERIOD_STEPS - 1] - ends[half - 1]) / (PERIOD_STEPS - half) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn step(read_ns: f64, chain_ns: f64, write_ns: f64, repeat: u64) -> ChannelStep {
        ChannelStep {
            read_ns,
            chain_ns,
            write_ns,
            repeat,
        }
    }

    fn assert_close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-6, "{got} != {want}");
    }

    #[test]
    fn stages_that_drift_apart_stream_while_the_others_compute() {
        // Three equal stages, each loading 3 ns and computing 10 ns: they start an image 3 ns
        // apart and keep to it, so none waits for the channel (the period is one chain, not the
        // 10 + 3 x 3 ns of stages that load together).
        assert_close(
            channel_period_ns(&vec![vec![step(3.0, 10.0, 0.0, 1)]; 3]),
            13.0,
        );
        // Loading 5 ns and computing 2: the channel is the bottleneck.
        assert_close(
            channel_period_ns(&vec![vec![step(5.0, 2.0, 0.0, 1)]; 3]),
            15.0,
        );
        // Nothing over the channel: no period of its own.
        assert_eq!(channel_period_ns(&[vec![step(0.0, 10.0, 0.0, 2)]]), 0.0);
    }

    #[test]
    fn a_transfer_waits_for_a_gap_it_fits() {
        // Three stages: a crossbar layer in two bands (each loads 2 ns, computes 20 ns), then a
        // vector layer moving 24 ns of data in four chunks (load, work, store). With 0.2 ns of
        // work a chunk, no band's load fits between a chunk's load and store: the stages compute
        // their bands together and their vector layers then queue one after another, 44 + 3 x
        // 24.8 ns (isaac-rram's DenseNet-40 in time). With 2.5 ns the next bands' loads fit.
        let band = step(2.0, 20.0, 0.0, 2);
        let tight = vec![band, step(3.0, 0.2, 3.0, 4)];
        assert_close(channel_period_ns(&vec![tight; 3]), 44.0 + 3.0 * 24.8);
        let loose = vec![band, step(3.0, 2.5, 3.0, 4)];
        assert_close(channel_period_ns(&vec![loose; 3]), 102.0);
    }

    #[test]
    fn chunks_split_a_step_evenly_up_to_the_cap() {
        let whole = step(8.0, 4.0, 16.0, 1);
        assert_eq!(whole.in_chunks(4), step(2.0, 1.0, 4.0, 4));
        assert_eq!(whole.in_chunks(0), whole);
        assert_eq!(whole.in_chunks(1000).repeat, MAX_CHUNKS);
    }

    fn chains() -> impl Strategy<Value = Vec<Vec<ChannelStep>>> {
        let ns = prop_oneof![Just(0.0), 0.1f64..10.0];
        let step =
            (ns.clone(), 0.0f64..30.0, ns, 1u64..5).prop_map(|(r, c, w, n)| step(r, c, w, n));
        prop::collection::vec(prop::collection::vec(step, 1..4), 1..6)
    }

    proptest! {
        /// The period is at least all the streaming and the longest chain, and at most every
        /// chain one after another.
        #[test]
        fn the_period_lies_between_the_channel_and_the_chains_in_series(chains in chains()) {
            let total = |c: &[ChannelStep]| -> f64 {
                c.iter().map(|s| (s.read_ns + s.chain_ns + s.write_ns) * s.repeat as f64).sum()
            };
            let stream: f64 = chains.iter().flatten()
                .map(|s| (s.read_ns + s.write_ns) * s.repeat as f64).sum();
            let longest = chains.iter().map(|c| total(c)).fold(0.0, f64::max);
            let series: f64 = chains.iter().map(|c| total(c)).sum();
            let period = channel_period_ns(&chains);
            if stream > 0.0 {
                prop_assert!(period >= stream.max(longest) - 1e-6, "{period} {stream} {longest}");
                prop_assert!(period <= series + 1e-6, "{period} {series}");
            } else {
                prop_assert_eq!(period, 0.0);
            }
        }
    }
}
