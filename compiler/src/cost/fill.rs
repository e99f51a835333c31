//! One image through a segment's stages: a pipeline's fill, a sequential segment's image. A
//! stage runs an image in bands (`program::bands`), each loading what it reads and storing what
//! it computes, and the program's dependencies are on the addresses it touches (`docs/isa.md`
//! §3): a band waits for the bands of the stages before it whose rows it reads, not for their
//! whole image. The first image thus flows through the stages row by row (row pipelining), and
//! takes less than the sum of their times when they run in several bands (`docs/cost-model.md`
//! §7, `F`).

use super::model::StageCost;
use crate::program::bands::{band_reads, staged_image, ConvImage, Reads};
use crate::program::layers::LayerId;
use crate::program::Program;
use std::collections::HashMap;
use std::ops::Range;

/// Bands of a stage timed one by one at most: more are timed in as many groups of consecutive
/// bands, each group one step of the recurrence (a finer grain changes the fill by little and
/// costs the segmentation's search time).
const STEPS: u64 = 16;

/// The first image through the segment over `range` of `program`, whose stages take their times
/// per image (`stages`: each its [`stage_time`](super::model::stage_time) and cost) in `bands`
/// bands each: every stage starts its next band when it has finished the one before and the
/// stages it reads from have stored the rows that band reads (at their band's share of their
/// time: a stage's time is spread evenly over its bands). A result a stage's vector layers
/// compute after its bands is stored at its end. The operand a join loads beside a band waits
/// for nothing the band computes (`docs/cost-model.md` §7): only the join, and the store after
/// it, wait for its rows. Stages that take turns in one staging buffer (`buffers`, each stage's,
/// when they do: a sequential segment's) do not overlap: a stage starts when the last one before
/// it in its buffer has finished.
pub fn image_fill(
    program: &Program,
    range: Range<usize>,
    stages: &[(f64, &StageCost)],
    (bands, buffers): (&[u64], Option<&[u64]>),
) -> f64 {
    let producers = producers(program, range.clone());
    let mut progress: Vec<Progress> = Vec::with_capacity(range.len());
    for (position, ((s, &(time, cost)), &bands)) in range.zip(stages).zip(bands).enumerate() {
        let turn = buffers.map_or(0.0, |buffers| buffer_free(&progress, buffers, position));
        let reads: Vec<(&[Producer], Reads)> = band_reads(program, s)
            .into_iter()
            .filter_map(|(layer, how)| Some((producers.get(&layer)?.as_slice(), how)))
            .collect();
        let bands = bands.max(1);
        let steps = bands.min(STEPS);
        let step_ns = time / steps as f64;
        let tail_ns = cost.vector_ns / steps as f64 + cost.final_store_ns;
        let stored = |last_band: u64, joined: bool| {
            let reads = reads
                .iter()
                .filter(|(_, how)| joined == matches!(how, Reads::Rows(_)));
            reads
                .flat_map(|(producers, how)| {
                    let reach = how.reach(bands, last_band);
                    producers.iter().map(move |p| (p, reach))
                })
                .map(|(p, reach)| progress[p.position].stored(p.image, reach))
                .fold(0.0, f64::max)
        };
        let mut clock = turn;
        let mut finish = Vec::with_capacity(steps as usize);
        for step in 0..steps {
            let last_band = ((step + 1) * bands).div_ceil(steps) - 1;
            let start = f64::max(clock, stored(last_band, false));
            clock = f64::max(start + step_ns, stored(last_band, true) + tail_ns);
            finish.push(clock);
        }
        progress.push(Progress { bands, finish });
    }
    progress.iter().map(Progress::end).fold(0.0, f64::max)
}

/// When the last of the stages before `position` (their `progress`) that stage `position` shares
/// its staging buffer with (`buffers`, each stage's) has finished; 0 when none does.
fn buffer_free(progress: &[Progress], buffers: &[u64], position: usize) -> f64 {
    let own = buffers.get(position);
    let sharing = progress.iter().zip(buffers).rev();
    sharing
        .filter(|&(_, b)| Some(b) == own)
        .map(|(p, _)| p.end())
        .next()
        .unwrap_or(0.0)
}

/// A stage that stores a layer's result: its position in the segment, and the image it stores
/// band by band when it does (`Stage::banded`); `None` when it stores the result at its end.
pub(super) struct Producer {
    pub position: usize,
    pub image: Option<ConvImage>,
}

/// Per layer whose result a stage of `range` stores, those stages ([`Producer`]).
pub(super) fn producers(program: &Program, range: Range<usize>) -> HashMap<LayerId, Vec<Producer>> {
    let mut producers: HashMap<LayerId, Vec<Producer>> = HashMap::new();
    for (position, s) in range.enumerate() {
        let stage = &program.stages[s];
        let image = staged_image(program, s);
        for id in stage.layers().filter(|&id| !stage.keeps(id)) {
            let image = image.filter(|_| stage.banded(id));
            producers
                .entry(id)
                .or_default()
                .push(Producer { position, image });
        }
    }
    producers
}

/// A stage's first image: its bands, and when each step of them finishes.
struct Progress {
    bands: u64,
    finish: Vec<f64>,
}

impl Progress {
    /// When it has finished the image.
    fn end(&self) -> f64 {
        self.finish.last().copied().unwrap_or(0.0)
    }

    /// When it has stored `reach` of the rows of its result (band by band over `image`, else
    /// all at its end); 0 when nothing is read yet.
    fn stored(&self, image: Option<ConvImage>, reach: f64) -> f64 {
        let steps = self.finish.len() as u64;
        if reach <= 0.0 || steps == 0 {
            return 0.0;
        }
        let step = image.map_or(steps - 1, |image| {
            let band = image.band_completing(self.bands, reach);
            ((band + 1) * steps).div_ceil(self.bands) - 1
        });
        self.finish[step as usize]
    }
}
