//! A pipeline's steady state on the units its stages share. The stages of a pipelined segment
//! share the one DRAM channel and the vector unit, and each stage's chain waits for its own
//! transfers and vector work: a layer loads its operands, computes, and stores its result, band
//! by band for the crossbar layer and what follows it in the buffer (`program::bands`), in chunks
//! of the stage's staging share for its other layers. Whether the stages' work collides or
//! interleaves on those units depends on how the stages drift against each other, so the period
//! is found by running the steady state as the program does (`docs/cost-model.md` §7, `Q`):
//! equal stages that start an image together queue; a stage with slack drifts until its
//! transfers fall into the others' compute; chunks whose loads and stores leave only short gaps
//! hold the channel like a wall. The copies into and out of a segment's ring buffers take the one
//! buffer port in the same way, each layer's where its code has them.

use super::model::StageCost;
use super::units::{dram_stream_time, move_ns_per_element, vector_time};
use crate::program::rings::Rings;
use crate::program::Program;
use pim_runtime::target::Target;

/// One step of a stage's chain: copy `copy_in_ns` out of ring buffers through the buffer port,
/// stream `read_ns` on the DRAM channel while copying `beside_ns` through the port (the rows a
/// band shares with the band before), work `chain_ns` on the stage's own units (crossbars, PE
/// links, the DRAM latency), work `vector_ns` on the vector unit, stream `write_ns`, copy
/// `copy_out_ns` into ring buffers; `repeat` times one after another (a layer's bands or chunks).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChainStep {
    pub copy_in_ns: f64,
    pub read_ns: f64,
    pub beside_ns: f64,
    pub chain_ns: f64,
    pub vector_ns: f64,
    pub write_ns: f64,
    pub copy_out_ns: f64,
    pub repeat: u64,
}

impl ChainStep {
    /// This step (done once) in `chunks` equal parts one after another, at most [`MAX_CHUNKS`]
    /// (more are grouped, consecutive chunks per part).
    fn in_chunks(self, chunks: u64) -> ChainStep {
        let repeat = chunks.clamp(1, MAX_CHUNKS);
        let part = |ns: f64| ns / repeat as f64;
        ChainStep {
            copy_in_ns: part(self.copy_in_ns),
            read_ns: part(self.read_ns),
            beside_ns: part(self.beside_ns),
            chain_ns: part(self.chain_ns),
            vector_ns: part(self.vector_ns),
            write_ns: part(self.write_ns),
            copy_out_ns: part(self.copy_out_ns),
            repeat,
        }
    }

    /// Work on the stage's own units only.
    fn work(chain_ns: f64) -> ChainStep {
        ChainStep {
            chain_ns,
            repeat: 1,
            ..ChainStep::default()
        }
    }

    /// Its time alone, all repeats (the copy beside the load as long as the load or longer).
    pub fn total_ns(&self) -> f64 {
        let overlapped = self.read_ns.min(self.beside_ns) * self.repeat as f64;
        self.shared_ns() - overlapped + self.chain_ns * self.repeat as f64
    }

    /// Its time on the shared units, all repeats.
    fn shared_ns(&self) -> f64 {
        let port = self.copy_in_ns + self.beside_ns + self.copy_out_ns;
        (port + self.read_ns + self.vector_ns + self.write_ns) * self.repeat as f64
    }

    /// Adds `other`'s work to this step's.
    fn add(&mut self, other: &ChainStep) {
        self.copy_in_ns += other.copy_in_ns;
        self.read_ns += other.read_ns;
        self.beside_ns += other.beside_ns;
        self.chain_ns += other.chain_ns;
        self.vector_ns += other.vector_ns;
        self.write_ns += other.write_ns;
        self.copy_out_ns += other.copy_out_ns;
    }
}

/// Bands or chunks of a layer run as steps at most: more are grouped, consecutive ones per step
/// (as in the fill, `super::fill`).
const MAX_CHUNKS: u64 = 16;

/// Pipeline steps run to find a period; it is the mean step over the second half
/// ([`mean_step`]).
const PERIOD_STEPS: usize = 32;

/// The mean time per step over the second half of the [`PERIOD_STEPS`] steps that ended at
/// `ends`.
fn mean_step(ends: &[f64; PERIOD_STEPS]) -> f64 {
    let half = PERIOD_STEPS / 2;
    (ends[PERIOD_STEPS - 1] - ends[half - 1]) / (PERIOD_STEPS - half) as f64
}

/// The chain of stage `s` of `program` (cost `cost`, crossbar time `mvm_ns` in `bands` bands,
/// staging `share` elements, its segment keeping `rings` on chip) as [`ChainStep`]s, adding up
/// to its [`stage_time`](super::model::stage_time) less the latency of its last store, which the
/// next image overlaps (taken off the chain before it): its crossbar layer with the layers that
/// follow it band by band (each band copies in and loads its share, computes, stores and copies
/// out its share; the DRAM latencies of their transfers on the chain), each other layer of its
/// epilogue in chunks of the staging share (copy in, load, compute, store, copy out).
pub fn chain_steps(
    program: &Program,
    (s, target, rings): (usize, &Target, &Rings),
    cost: &StageCost,
    (mvm_ns, bands, share): (f64, u64, u64),
) -> Vec<ChainStep> {
    let stage = &program.stages[s];
    let latency = target.dram.latency_ns;
    let copy_ns = move_ns_per_element(target);
    let mut banded = ChainStep {
        beside_ns: cost.halo_ns,
        ..ChainStep::work(mvm_ns)
    };
    let mut steps = Vec::new();
    for (id, traffic) in program.layer_traffic(s, target, rings) {
        let layer = &program.layers[id];
        let step = ChainStep {
            copy_in_ns: traffic.copied_in as f64 * copy_ns,
            read_ns: dram_stream_time(target, traffic.read_bytes),
            chain_ns: traffic.transfers as f64 * latency,
            vector_ns: layer.vector().map_or(0.0, |w| vector_time(target, w)),
            write_ns: dram_stream_time(target, traffic.write_bytes),
            copy_out_ns: traffic.copied_out as f64 * copy_ns,
            repeat: 1,
            ..ChainStep::default()
        };
        if stage.banded(id) {
            banded.add(&step);
        } else {
            let chunks = layer.input_elements.max(1).div_ceil(share.max(1));
            steps.push(step.in_chunks(chunks));
        }
    }
    if stage.mvm.is_some() {
        steps.insert(0, banded.in_chunks(bands));
    }
    if let Some(last) = steps.iter_mut().rev().find(|s| s.write_ns > 0.0) {
        let overlapped = cost.final_store_ns / last.repeat as f64;
        last.chain_ns = (last.chain_ns - overlapped).max(0.0);
    }
    steps.retain(|s| s.total_ns() > 0.0);
    steps
}

/// The period of a pipeline whose stages run `chains` ([`chain_steps`]) on one DRAM channel, one
/// vector unit and one buffer port, from [`PERIOD_STEPS`] steps of it run as the program runs
/// them: in each, the stages in program order each start an image once they have finished the
/// previous one and the stage before has stored it (at the previous step), and each transfer,
/// ring copy and piece of vector work takes its unit's first free gap from when it is ready. 0
/// when no stage uses any of them. (With a stage's ring copies as one block before and one after
/// its compute, on a port of their own beside this, mini_densenet's six stages in `reuse` on
/// isaac-rram at batch 256 ran 18 % slower in time than modelled: its concatenations copy out
/// in the middle of their stage's code.)
pub fn simulated_period_ns(chains: &[Vec<ChainStep>], bursts: Bursts) -> f64 {
    if !chains.iter().flatten().any(|s| s.shared_ns() > 0.0) {
        return 0.0;
    }
    let mut shared = SharedUnits::new(bursts);
    // Per stage: when its last image's compute ended, and when it had copied and stored it all.
    let mut computed = vec![0.0f64; chains.len()];
    let mut stored = vec![0.0f64; chains.len()];
    let mut ends = [0.0f64; PERIOD_STEPS];
    for end in &mut ends {
        // Every stage starts this step at its last image's compute's end or later.
        shared.forget_before(computed.iter().copied().fold(f64::INFINITY, f64::min));
        let mut upstream = 0.0f64;
        for (k, chain) in chains.iter().enumerate() {
            // It copies its next operands in once its compute is done, computes once its last
            // results are copied out.
            let (mut clock, previous) = (computed[k].max(upstream), stored[k]);
            upstream = stored[k];
            for step in chain {
                for _ in 0..step.repeat {
                    (computed[k], clock) = shared.run(step, clock, previous);
                }
            }
            stored[k] = clock;
        }
        *end = stored.iter().copied().fold(0.0, f64::max);
    }
    mean_step(&ends)
}

/// The busy intervals of one unit the stages share (DRAM channel, vector unit, buffer port), in
/// time order.
#[derive(Debug, Default)]
struct Unit {
    busy: Vec<(f64, f64)>,
}

impl Unit {
    /// Books `duration` of streaming from `ready` on, burst by burst: in the unit's gaps in
    /// time order, each at least `burst` wide (the last piece takes what remains in the first
    /// gap it fits); returns its end.
    fn spread(&mut self, ready: f64, duration: f64, burst: f64) -> f64 {
        if duration <= 0.0 {
            return ready;
        }
        let (mut start, mut left) = (ready, duration);
        let mut at = self.busy.partition_point(|&(_, end)| end <= ready);
        while let Some(&(from, to)) = self.busy.get(at) {
            let gap = from - start;
            if gap >= left {
                break;
            }
            if gap > 0.0 && gap >= burst {
                self.busy.insert(at, (start, from));
                left -= gap;
                at += 1;
            }
            start = start.max(to);
            at += 1;
        }
        self.busy.insert(at, (start, start + left));
        start + left
    }

    /// Books `duration` at the earliest gap from `ready` on; returns its end.
    fn fit(&mut self, ready: f64, duration: f64) -> f64 {
        if duration <= 0.0 {
            return ready;
        }
        let mut start = ready;
        let mut at = self.busy.partition_point(|&(_, end)| end <= ready);
        while let Some(&(s, e)) = self.busy.get(at) {
            if s >= start + duration {
                break;
            }
            start = start.max(e);
            at += 1;
        }
        self.busy.insert(at, (start, start + duration));
        start + duration
    }

    /// Forgets the intervals that end by `time`: no gap before it is asked for again.
    fn forget_before(&mut self, time: f64) {
        let ended = self.busy.partition_point(|&(_, end)| end <= time);
        self.busy.drain(..ended);
    }
}

/// A burst of the units that stream data ([`Target::burst_bytes`]) on the DRAM channel and
/// through the buffer port, ns. A transfer runs burst by burst in its unit's gaps, so that
/// transfers queued on the unit interleave, as in the timing simulator (`docs/isa.md` §3).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bursts {
    pub dram_ns: f64,
    pub port_ns: f64,
}

impl Bursts {
    /// The bursts of `target`.
    pub fn of(target: &Target) -> Bursts {
        Bursts {
            dram_ns: target.dram_burst_ns(),
            port_ns: target.move_burst_ns(),
        }
    }
}

/// The units the stages of a pipeline share: the DRAM channel and the buffer port, which stream
/// burst by burst, and the vector unit.
#[derive(Debug, Default)]
pub(super) struct SharedUnits {
    channel: Unit,
    vector: Unit,
    port: Unit,
    bursts: Bursts,
}

impl SharedUnits {
    /// Idle units streaming in `bursts`.
    pub(super) fn new(bursts: Bursts) -> SharedUnits {
        SharedUnits {
            bursts,
            ..SharedUnits::default()
        }
    }

    /// One piece of `step` (one of its repeats) from `clock` on, its compute not before
    /// `previous` (when the stage's last results were copied out): copies in, loads, works,
    /// stores and copies out, each on its unit's first free gap. Returns when its compute and
    /// store ended and when its copies out did.
    pub(super) fn run(&mut self, step: &ChainStep, clock: f64, previous: f64) -> (f64, f64) {
        let Bursts { dram_ns, port_ns } = self.bursts;
        let mut clock = self
            .port
            .spread(clock, step.copy_in_ns, port_ns)
            .max(previous);
        let beside = self.port.spread(clock, step.beside_ns, port_ns);
        clock = self
            .channel
            .spread(clock, step.read_ns, dram_ns)
            .max(beside)
            + step.chain_ns;
        clock = self.vector.fit(clock, step.vector_ns);
        clock = self.channel.spread(clock, step.write_ns, dram_ns);
        (clock, self.port.spread(clock, step.copy_out_ns, port_ns))
    }

    /// Forgets what ended by `time`: nothing is asked for before it again.
    pub(super) fn forget_before(&mut self, time: f64) {
        self.channel.forget_before(time);
        self.vector.forget_before(time);
        self.port.forget_before(time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn step(read_ns: f64, chain_ns: f64, write_ns: f64, repeat: u64) -> ChainStep {
        ChainStep {
            read_ns,
            chain_ns,
            vector_ns: 0.0,
            write_ns,
            repeat,
            ..ChainStep::default()
        }
    }

    /// The period with bursts of no length: a transfer streams in any gap.
    fn period(chains: &[Vec<ChainStep>]) -> f64 {
        simulated_period_ns(chains, Bursts::default())
    }

    fn assert_close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-6, "{got} != {want}");
    }

    #[test]
    fn stages_that_drift_apart_stream_while_the_others_compute() {
        // Three equal stages, each loading 3 ns and computing 10 ns: they start an image 3 ns
        // apart and keep to it, so none waits for the channel (the period is one chain, not the
        // 10 + 3 x 3 ns of stages that load together).
        assert_close(period(&vec![vec![step(3.0, 10.0, 0.0, 1)]; 3]), 13.0);
        // Loading 5 ns and computing 2: the channel is the bottleneck.
        assert_close(period(&vec![vec![step(5.0, 2.0, 0.0, 1)]; 3]), 15.0);
        // Nothing over the channel: no period of its own.
        assert_eq!(period(&[vec![step(0.0, 10.0, 0.0, 2)]]), 0.0);
    }

    #[test]
    fn a_transfer_streams_in_the_gaps_a_burst_fits() {
        // Three stages: a crossbar layer in two bands (each loads 2 ns, computes 20 ns), then a
        // vector layer moving 24 ns of data in four chunks (load, work, store). With 0.2 ns of
        // work a chunk, held whole no band's load fits between a chunk's load and store: the
        // stages compute their bands together and their vector layers then queue one after
        // another, 44 + 3 x 24.8 ns (isaac-rram's DenseNet-40 in time before the simulator
        // streamed transfers burst by burst). Bursts wider than those gaps do the same; bursts
        // that fit them let the next bands' loads interleave. With 2.5 ns of work a chunk the
        // loads fit whole.
        let band = step(2.0, 20.0, 0.0, 2);
        let tight = vec![vec![band, step(3.0, 0.2, 3.0, 4)]; 3];
        let bursts = |ns: f64| Bursts {
            dram_ns: ns,
            port_ns: ns,
        };
        let queued = 44.0 + 3.0 * 24.8;
        assert_close(simulated_period_ns(&tight, bursts(f64::INFINITY)), queued);
        assert_close(simulated_period_ns(&tight, bursts(0.5)), queued);
        // Burst by burst, the next images' band loads stream in the chunks' 0.2 ns gaps.
        assert_close(period(&tight), 116.0);
        let loose = vec![vec![band, step(3.0, 2.5, 3.0, 4)]; 3];
        assert_close(simulated_period_ns(&loose, bursts(f64::INFINITY)), 102.0);
        assert_close(period(&loose), 94.5);
    }

    #[test]
    fn vector_work_queues_on_the_one_vector_unit() {
        // Each stage computes 1 ns on its crossbars, then 5 ns on the vector unit: one stage
        // takes 6 ns an image, three keep the vector unit busy 15 ns.
        let vector = ChainStep {
            vector_ns: 5.0,
            ..ChainStep::work(1.0)
        };
        assert_close(period(&[vec![vector]]), 6.0);
        assert_close(period(&vec![vec![vector]; 3]), 15.0);
    }

    #[test]
    fn chunks_split_a_step_evenly_up_to_the_cap() {
        let whole = ChainStep {
            vector_ns: 12.0,
            ..step(8.0, 4.0, 16.0, 1)
        };
        let quarter = ChainStep {
            vector_ns: 3.0,
            ..step(2.0, 1.0, 4.0, 4)
        };
        assert_eq!(whole.in_chunks(4), quarter);
        assert_eq!(whole.in_chunks(0), whole);
        assert_eq!(whole.in_chunks(1000).repeat, MAX_CHUNKS);
    }

    fn chains() -> impl Strategy<Value = Vec<Vec<ChainStep>>> {
        let ns = prop_oneof![Just(0.0), 0.1f64..10.0];
        let step =
            (ns.clone(), 0.0f64..30.0, ns.clone(), ns, 1u64..5).prop_map(|(r, c, v, w, n)| {
                ChainStep {
                    vector_ns: v,
                    ..step(r, c, w, n)
                }
            });
        prop::collection::vec(prop::collection::vec(step, 1..4), 1..6)
    }

    proptest! {
        /// The period is at least all the streaming, all the vector work and the longest chain,
        /// and at most every chain one after another. (At least within 1 %: it is a mean over
        /// [`PERIOD_STEPS`] / 2 steps, and bursts of the window's first images may stream in
        /// gaps before it.)
        #[test]
        fn the_period_lies_between_the_channel_and_the_chains_in_series(chains in chains()) {
            let total = |c: &[ChainStep]| -> f64 { c.iter().map(ChainStep::total_ns).sum() };
            let stream: f64 = chains.iter().flatten()
                .map(|s| (s.read_ns + s.write_ns) * s.repeat as f64).sum();
            let vector: f64 = chains.iter().flatten().map(|s| s.vector_ns * s.repeat as f64).sum();
            let longest = chains.iter().map(|c| total(c)).fold(0.0, f64::max);
            let series: f64 = chains.iter().map(|c| total(c)).sum();
            let period = period(&chains);
            if stream + vector > 0.0 {
                let least = stream.max(vector).max(longest);
                prop_assert!(period >= 0.99 * least - 1e-6, "{period} {stream} {vector} {longest}");
                prop_assert!(period <= series + 1e-6, "{period} {series}");
            } else {
                prop_assert_eq!(period, 0.0);
            }
        }
    }
}
