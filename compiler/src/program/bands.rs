//! How a convolution's image is cut into bands that fit a stage's share of the staging buffer
//! (`docs/backend.md` §3), and how a pipelined segment shares that buffer among its stages: the
//! one rule the back end emits and the cost model times.
//!
//! A band is as many whole output rows as fit, else one row of as many columns as fit. It stages
//! the input rows and columns its windows span (a stride longer than the window included: the
//! band loads up to the next band's first row) and its output pixels' results.

use super::layers::{Layer, LayerId, Source};
use super::tiling::Banding;
use super::Program;
use pim_dialects::{Func, Node, PimOp};
use pim_runtime::target::Target;

/// One axis of a window over an image: kernel, stride and dilation along it, and the image's
/// extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Axis {
    /// Kernel size.
    pub kernel: i64,
    /// Stride.
    pub stride: i64,
    /// Dilation.
    pub dilation: i64,
    /// Input rows (or columns).
    pub input: usize,
}

impl Axis {
    /// Input rows one window spans.
    pub fn window(&self) -> i64 {
        (self.kernel - 1) * self.dilation + 1
    }

    /// Input rows a band of `n` output rows stages at most.
    pub fn span(&self, n: usize) -> usize {
        let span = (n as i64 - 1) * self.stride + self.window().max(self.stride);
        (span.max(1) as usize).min(self.input)
    }

    /// The padding before the first row when `out` output rows are read: half of what the sizes
    /// imply.
    fn top_padding(&self, out: usize) -> i64 {
        let covered = (out as i64 - 1) * self.stride + self.window();
        ((covered - self.input as i64) / 2).max(0)
    }

    /// Input rows that bands of `n` of the `out` output rows share with the band before them,
    /// summed over the bands: the rows both bands' windows span.
    pub fn shared(&self, n: usize, out: usize) -> usize {
        let (top, input) = (self.top_padding(out), self.input as i64);
        let shared = |next: usize| {
            let next = next as i64;
            let end = ((next - 1) * self.stride - top + self.window()).min(input);
            (end - (next * self.stride - top).max(0)).max(0) as usize
        };
        (n.max(1)..out).step_by(n.max(1)).map(shared).sum()
    }
}

/// A convolution's images as the back end bands them: input channels, output rows and columns,
/// and the window's axes (down, across).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvImage {
    /// Input channels.
    pub cin: usize,
    /// Output rows and columns.
    pub out: (usize, usize),
    /// The window down the rows and across the columns.
    pub axes: (Axis, Axis),
    /// Operands of the result's size staged beside each band's results: one per join that
    /// follows the convolution in the buffer ([`ConvImage::joined`]).
    pub beside: usize,
    /// The kernel of a pooling that follows in the buffer (`Stage::pool`): bands are whole rows,
    /// as many as a multiple of its height, and stage the pooled results too.
    pub pool: Option<(usize, usize)>,
}

impl ConvImage {
    /// The images of `node` when it is a convolution (`pim.mvm` of kind `conv` on NCHW images).
    pub fn of(func: &Func<PimOp>, node: &Node<PimOp>) -> Option<ConvImage> {
        let PimOp::Mvm {
            kind,
            kernel,
            strides,
            dilations,
            ..
        } = &node.op
        else {
            return None;
        };
        let (&[_, cin, ih, iw], &[_, _, oh, ow]) =
            (func.shape(*node.operands.first()?), func.shape(node.result))
        else {
            return None;
        };
        let axis = |k: usize, input: usize| {
            Some(Axis {
                kernel: *kernel.get(k)?,
                stride: *strides.get(k)?,
                dilation: *dilations.get(k)?,
                input,
            })
        };
        (kind == "conv").then_some(())?;
        Some(ConvImage {
            cin,
            out: (oh, ow),
            axes: (axis(0, ih)?, axis(1, iw)?),
            beside: 0,
            pool: None,
        })
    }

    /// The same images with `kernel`'s pooling following in the buffer.
    pub fn pooled(self, kernel: (usize, usize)) -> ConvImage {
        ConvImage {
            pool: Some(kernel),
            ..self
        }
    }

    /// The image with `joins` operands of the result's size staged beside each band's results
    /// (the joins that follow the convolution in the buffer, `Stage::mvm_joins`).
    pub fn joined(self, joins: usize) -> ConvImage {
        ConvImage {
            beside: joins,
            ..self
        }
    }

    /// Elements a band of `rows x cols` output pixels stages, `width` results per pixel (and
    /// as many per operand staged beside them, and the pooled results of a pooling that
    /// follows).
    pub fn need(&self, (rows, cols): (usize, usize), width: usize) -> u64 {
        let (down, across) = &self.axes;
        let inputs = down.span(rows) * across.span(cols) * self.cin;
        let pooled = self
            .pool
            .map_or(0, |(kh, kw)| rows / kh.max(1) * (cols / kw.max(1)) * width);
        (inputs + rows * cols * width * (1 + self.beside) + pooled) as u64
    }

    /// The band of `width` results per pixel that fits `capacity` elements: as many whole output
    /// rows as fit, else one row of as many columns as fit; `None` when one pixel does not fit.
    pub fn band(&self, width: usize, capacity: u64) -> Option<(usize, usize)> {
        let (oh, ow) = self.out;
        let fits = |rows: usize, cols: usize| self.need((rows, cols), width) <= capacity;
        if let Some((kh, _)) = self.pool {
            // Whole rows of whole windows only.
            let kh = kh.max(1);
            return (1..=oh / kh)
                .rev()
                .map(|n| n * kh)
                .find(|&n| fits(n, ow))
                .map(|rows| (rows, ow));
        }
        if let Some(rows) = (1..=oh).rev().find(|&n| fits(n, ow)) {
            return Some((rows, ow));
        }
        (1..=ow).rev().find(|&m| fits(1, m)).map(|cols| (1, cols))
    }

    /// The smallest band, rows and columns: one output pixel, or whole rows of the kernel's
    /// height when a pooling follows.
    pub fn least_band(&self) -> (usize, usize) {
        self.pool.map_or((1, 1), |(kh, _)| (kh, self.out.1))
    }

    /// Whole output rows that bands `0..=j` of an image cut into `bands` bands have produced:
    /// whole rows per band when there are no more bands than rows; else the bands are column
    /// strips of single rows, swept strip after strip (`docs/backend.md` §3), and a row is
    /// whole when the last strip reaches it.
    pub fn rows_done(&self, bands: u64, j: u64) -> usize {
        let rows = self.out.0.max(1) as u64;
        let done = match bands <= rows {
            true => (j + 1).saturating_mul(rows.div_ceil(bands.max(1))),
            false => (j + 1).saturating_sub(bands - rows),
        };
        done.min(rows) as usize
    }

    /// Output rows that bands `0..=j` of an image cut into `bands` bands reach, whole or in part
    /// (the first strip of column strips reaches a row per band).
    pub fn rows_reached(&self, bands: u64, j: u64) -> usize {
        let rows = self.out.0.max(1) as u64;
        match bands <= rows {
            true => self.rows_done(bands, j),
            false => (j + 1).min(rows) as usize,
        }
    }

    /// The band of an image cut into `bands` after which `share` of its output rows are whole
    /// (the inverse of [`ConvImage::rows_done`]).
    pub fn band_completing(&self, bands: u64, share: f64) -> u64 {
        let rows = self.out.0.max(1) as u64;
        let needed = ((share * rows as f64).ceil() as u64).clamp(1, rows);
        let band = match bands <= rows {
            true => needed.div_ceil(rows.div_ceil(bands.max(1))),
            false => bands - rows + needed,
        };
        band.clamp(1, bands.max(1)) - 1
    }

    /// The share of its operand's rows that bands `0..=j` of `bands` read: up to the last row
    /// the windows of their [`ConvImage::rows_reached`] output rows reach, the top padding taken
    /// as half of what the sizes imply.
    pub fn reach(&self, bands: u64, j: u64) -> f64 {
        let down = &self.axes.0;
        let input = down.input.max(1) as i64;
        let rows = self.rows_reached(bands, j) as i64;
        let top = down.top_padding(self.out.0);
        let last = (rows - 1) * down.stride + down.window() - top;
        last.clamp(1, input) as f64 / input as f64
    }

    /// Input elements the bands of `rows x cols` output pixels of one image move on chip rather
    /// than load again: consecutive bands of a strip share the input rows both their windows
    /// span, which the back end copies to the top of the next band's area (`docs/backend.md`
    /// §3).
    pub fn halo(&self, (rows, cols): (usize, usize)) -> u64 {
        let (down, across) = &self.axes;
        let (oh, ow) = self.out;
        let cols = cols.max(1);
        let strips = (0..ow)
            .step_by(cols)
            .map(|x0| across.span(cols.min(ow - x0)));
        (down.shared(rows, oh) * strips.sum::<usize>() * self.cin) as u64
    }

    /// How many bands of `width` results per pixel one image takes in `capacity` elements (at
    /// least 1; one per pixel when not even one fits).
    pub fn bands(&self, width: usize, capacity: u64) -> u64 {
        self.banding(width, capacity).count()
    }

    /// The bands of `width` results per pixel one image takes in `capacity` elements, as a grid
    /// over its output pixels (one per pixel when not even one fits).
    pub fn banding(&self, width: usize, capacity: u64) -> Banding {
        let (rows, cols) = self.band(width, capacity).unwrap_or((1, 1));
        let (oh, ow) = self.out;
        Banding::grid((oh as u64, ow as u64), (rows as u64, cols as u64))
    }
}

/// Results per output pixel of `layer` (a convolution with `image`): its output elements per
/// image over its output pixels (a column part's columns, every group's).
pub fn width(layer: &Layer, image: &ConvImage) -> usize {
    let pixels = (image.out.0 * image.out.1).max(1) as u64;
    (layer.output_elements / pixels) as usize
}

/// What stage `s` of `program` stages per image at most: the largest working set of its layers
/// when the whole image is one band (operands plus result; for a convolution the input rows and
/// columns its windows span: a stride longer than the window skips pixels that the band still
/// loads, and the pooled results of a pooling that follows it in the buffer), elements (at
/// least 1).
pub fn stage_need(program: &Program, s: usize) -> u64 {
    let staged = staged_image(program, s);
    program.stages[s]
        .layers()
        .map(|id| {
            let layer = &program.layers[id];
            let whole = layer.input_elements.saturating_add(layer.output_elements);
            let image = staged.filter(|_| layer.mvm().is_some());
            image.map_or(whole, |i| whole.max(i.need(i.out, width(layer, &i))))
        })
        .max()
        .unwrap_or(0)
        .max(1)
}

/// The images stage `s`'s crossbar layer stages, when it is a convolution: with the operands its
/// joins stage beside each band ([`ConvImage::joined`]) and the pooling that follows it
/// ([`ConvImage::pooled`]).
pub fn staged_image(program: &Program, s: usize) -> Option<ConvImage> {
    let stage = &program.stages[s];
    let image = program.layers[stage.mvm_layer()?].mvm()?.image?;
    let image = image.joined(stage.mvm_joins(&program.layers));
    Some(match stage.pool(&program.layers) {
        Some((_, kernel)) => image.pooled(kernel),
        None => image,
    })
}

/// The bands one image of stage `s`'s crossbar layer takes in `share` elements: one of all its
/// vectors unless it is a convolution whose image (with what it stages beside,
/// [`staged_image`]) does not fit; `None` when not even one output pixel (of a fully connected
/// layer: one input vector and its results) fits, so that the back end cannot stage it in that
/// share. A stage of vector layers runs in one band.
pub fn stage_bands(program: &Program, s: usize, share: u64) -> Option<Banding> {
    let Some(m) = &program.stages[s].mvm else {
        return Some(Banding::whole(1));
    };
    let width = m.width() as usize;
    let Some(image) = staged_image(program, s) else {
        return (m.vector_need() <= share).then_some(Banding::whole(m.vectors));
    };
    image.band(width, share)?;
    Some(image.banding(width, share))
}

/// The input elements stage `s` moves on chip per image when it stages in `share` elements: the
/// rows its convolution's consecutive bands share ([`ConvImage::halo`]); 0 for any other stage.
pub fn stage_halo(program: &Program, s: usize, share: u64) -> u64 {
    let (Some(m), Some(image)) = (&program.stages[s].mvm, staged_image(program, s)) else {
        return 0;
    };
    let width = m.width() as usize;
    image.band(width, share).map_or(0, |band| image.halo(band))
}

/// How much of an operand the bands of a stage read before they can start (`reach`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reads {
    /// The operand of the stage's convolution: the rows its windows reach.
    Window(ConvImage),
    /// An operand read beside each band's results (a join's other operand): the rows of the
    /// convolution's output the band covers.
    Rows(ConvImage),
    /// All of it, from the first band on (a fully connected layer's operand, a vector stage's).
    Whole,
    /// Nothing until the last band, after which the stage's other vector layers read all of it.
    AfterBands,
}

impl Reads {
    /// The share of the operand's rows bands `0..=j` of `bands` wait for (0: none).
    pub fn reach(&self, bands: u64, j: u64) -> f64 {
        match self {
            Reads::Window(image) => image.reach(bands, j),
            Reads::Rows(image) => image.rows_reached(bands, j) as f64 / image.out.0.max(1) as f64,
            Reads::Whole => 1.0,
            Reads::AfterBands => f64::from(u8::from(j + 1 >= bands)),
        }
    }
}

/// The operands stage `s` reads from other layers, each with the layer that produces it and how
/// much of it its bands read ([`Reads`]): its crossbar layer's operand by its windows, the
/// operands its banded followers (`Stage::banded`) read beside the bands by rows, its other
/// vector layers' after the last band.
pub fn band_reads(program: &Program, s: usize) -> Vec<(LayerId, Reads)> {
    let stage = &program.stages[s];
    let image = staged_image(program, s);
    let mut reads = Vec::new();
    for id in stage.layers() {
        let how = match (stage.mvm_layer() == Some(id), image) {
            (true, Some(image)) => Reads::Window(image),
            (true, None) => Reads::Whole,
            (false, Some(image)) if stage.banded(id) => Reads::Rows(image),
            (false, _) if stage.mvm.is_some() => Reads::AfterBands,
            (false, _) => Reads::Whole,
        };
        let operands = program.layers[id]
            .inputs
            .iter()
            .filter_map(|source| match source {
                Source::Layer(l) if !stage.layers().any(|own| own == *l) => Some(*l),
                _ => None,
            });
        reads.extend(operands.map(|l| (l, how)));
    }
    reads
}

/// The staging buffer a layer has when it stages alone, elements: the global buffer, else a
/// tile's.
pub fn whole_buffer(target: &Target) -> u64 {
    let global = target.buffer_elements(target.buffers.global_bytes);
    if global > 0 {
        global
    } else {
        target.buffer_elements(target.buffers.tile_bytes)
    }
}

/// `whole` elements shared among `needs`: each first gets its need or an equal share, whichever
/// is less (so none gets less than equal shares give it), then what is left goes to those that
/// need more, in proportion to what they lack, up to their need.
pub fn fair_shares(needs: &[u64], whole: u64) -> Vec<u64> {
    let equal = whole / needs.len().max(1) as u64;
    let floors: Vec<u64> = needs.iter().map(|&n| n.min(equal)).collect();
    let left = u128::from(whole - floors.iter().sum::<u64>());
    let lacking: u128 = needs
        .iter()
        .zip(&floors)
        .map(|(&n, &f)| u128::from(n - f))
        .sum();
    needs
        .iter()
        .zip(&floors)
        .map(|(&n, &f)| {
            let lacks = u128::from(n - f);
            f + (lacks * left.min(lacking) / lacking.max(1)) as u64
        })
        .collect()
}

/// The tile each of a pipelined segment's stages stages in on a target without a global buffer:
/// its first crossbar's tile (`first_crossbars`, `None` for a stage without crossbars), else its
/// predecessor's (tile 0 for the first).
pub fn staging_tiles(
    first_crossbars: impl IntoIterator<Item = Option<u64>>,
    crossbars_per_tile: u64,
) -> Vec<u64> {
    let mut tile = 0;
    first_crossbars
        .into_iter()
        .map(|first| {
            if let Some(first) = first {
                tile = first / crossbars_per_tile.max(1);
            }
            tile
        })
        .collect()
}

/// The least stage `s` can stage at all, elements, and whether a pooling follows its
/// convolution in the buffer: the smallest band of its crossbar layer (one output pixel of a
/// convolution, whole rows of the kernel's height when it pools; one input vector and its
/// results of a fully connected layer, [`stage_bands`]), 0 for a stage of vector layers.
pub fn stage_floor(program: &Program, s: usize) -> (u64, bool) {
    let Some(m) = &program.stages[s].mvm else {
        return (0, false);
    };
    match staged_image(program, s) {
        Some(i) => (i.need(i.least_band(), m.width() as usize), i.pool.is_some()),
        None => (m.vector_need(), false),
    }
}

/// [`fair_shares`] of `whole` among `needs`, unless that leaves only stages that pool (`floors`:
/// each stage's least band and whether it pools, [`stage_floor`]) short of their floors: then
/// the floors first, and the rest by what each needs beyond its floor. (A stage that does not
/// pool and falls short makes the segment run one stage at a time, as the floors would share
/// the buffer in slivers.)
pub fn floored_shares(needs: &[u64], floors: &[(u64, bool)], whole: u64) -> Vec<u64> {
    let fair = fair_shares(needs, whole);
    let short = |shares: &[u64]| {
        let mut short = shares.iter().zip(floors).filter(|(s, f)| **s < f.0);
        (short.clone().next().is_some(), short.all(|(_, f)| f.1))
    };
    let least: u64 = floors.iter().map(|f| f.0).sum();
    if least > whole || short(&fair) != (true, true) {
        return fair;
    }
    let beyond: Vec<u64> = needs
        .iter()
        .zip(floors)
        .map(|(n, f)| n.saturating_sub(f.0))
        .collect();
    let rest = fair_shares(&beyond, whole - least);
    floors.iter().zip(rest).map(|(f, r)| f.0 + r).collect()
}

/// Each stage's share of the `whole` buffer it stages in, by [`floored_shares`] of `needs` and
/// `floors` among the stages staged in the same buffer: all of them in a global buffer (`tiles`
/// `None`), those of the same tile otherwise ([`staging_tiles`]).
pub fn staging_shares(
    (needs, floors): (&[u64], &[(u64, bool)]),
    tiles: Option<&[u64]>,
    whole: u64,
) -> Vec<u64> {
    let Some(tiles) = tiles else {
        return floored_shares(needs, floors, whole);
    };
    let mut shares = vec![0; needs.len()];
    for (k, tile) in tiles.iter().enumerate() {
        if tiles[..k].contains(tile) {
            continue;
        }
        let group: Vec<usize> = (k..tiles.len()).filter(|&j| tiles[j] == *tile).collect();
        let group_needs: Vec<u64> = group.iter().map(|&j| needs[j]).collect();
        let group_floors: Vec<(u64, bool)> = group.iter().map(|&j| floors[j]).collect();
        let shares_of_group = floored_shares(&group_needs, &group_floors, whole);
        for (j, share) in group.into_iter().zip(shares_of_group) {
            shares[j] = share;
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3x3 convolution with padding 1 over 8 rows of 4 pixels.
    fn image_8x4() -> ConvImage {
        let axis = |input| Axis {
            kernel: 3,
            stride: 1,
            dilation: 1,
            input,
        };
        ConvImage {
            cin: 2,
            out: (8, 4),
            axes: (axis(8), axis(4)),
            beside: 0,
            pool: None,
        }
    }

    #[test]
    fn bands_reach_and_complete_rows_in_order() {
        let image = image_8x4();
        // Four bands of two rows: band 1 has produced rows 0..4 and reads input rows 0..5.
        assert_eq!(image.rows_done(4, 1), 4);
        assert_eq!(image.reach(4, 1), 5.0 / 8.0);
        assert_eq!(image.reach(4, 3), 1.0);
        // Half the rows are whole after band 1, the first row after band 0.
        assert_eq!(image.band_completing(4, 0.5), 1);
        assert_eq!(image.band_completing(4, 0.1), 0);
        // Column strips (16 bands: two strips of 8 rows), swept strip after strip: the first
        // strip reaches a row per band but completes none; the second completes them.
        assert_eq!(image.rows_reached(16, 2), 3);
        assert_eq!(image.rows_done(16, 7), 0);
        assert_eq!(image.rows_done(16, 8), 1);
        assert_eq!(image.band_completing(16, 1.0 / 8.0), 8);
        assert_eq!(image.band_completing(16, 1.0), 15);
        assert_eq!(image.reach(16, 0), 2.0 / 8.0);
    }

    #[test]
    fn stages_share_the_buffer_of_their_tile_only() {
        // Crossbars 0 and 100 in tile 0, 300 in tile 1 (96 per tile); the vector stage follows.
        let tiles = staging_tiles([Some(0), Some(100), None, Some(300)], 96);
        assert_eq!(tiles, vec![0, 1, 1, 3]);
        let needs = [50, 300, 100, 10];
        let none = [(0, false); 4];
        assert_eq!(
            staging_shares((&needs, &none), Some(&tiles), 200),
            vec![50, 100, 100, 10]
        );
        assert_eq!(
            staging_shares((&needs, &none), None, 200),
            fair_shares(&needs, 200)
        );
        // A floor of a stage that pools is met first: 120 of the 200 of tile 1 to the second
        // stage, then 40 each; a stage that does not pool keeps the fair share it falls short in.
        let pools = [(0, false), (120, true), (0, false), (0, false)];
        assert_eq!(
            staging_shares((&needs, &pools), Some(&tiles), 200),
            vec![50, 160, 40, 10]
        );
        let plain = [(0, false), (120, false), (0, false), (0, false)];
        assert_eq!(
            staging_shares((&needs, &plain), Some(&tiles), 200),
            vec![50, 100, 100, 10]
        );
    }

    #[test]
    fn needs_are_met_up_to_an_equal_share_and_the_rest_goes_to_what_is_lacking() {
        assert_eq!(
            fair_shares(&[100, 10, 1000, 20], 400),
            vec![100, 10, 270, 20]
        );
        // Floors 200, 200, 100 leave 100 for the 500 and 200 elements lacking.
        assert_eq!(fair_shares(&[700, 400, 100], 600), vec![271, 228, 100]);
        assert_eq!(fair_shares(&[50, 50], 400), vec![50, 50]);
        assert_eq!(fair_shares(&[500, 700, 900], 300), vec![100, 100, 100]);
        assert_eq!(fair_shares(&[], 300), Vec::<u64>::new());
    }

    fn axis(kernel: i64, stride: i64, input: usize) -> Axis {
        Axis {
            kernel,
            stride,
            dilation: 1,
            input,
        }
    }

    /// VGG-8's second convolution: 3x3, 128 channels in and out, 32x32.
    fn vgg8_conv2() -> ConvImage {
        ConvImage {
            cin: 128,
            out: (32, 32),
            axes: (axis(3, 1, 32), axis(3, 1, 32)),
            beside: 0,
            pool: None,
        }
    }

    /// VGG-8's second convolution (3x3, 128 channels, 32x32) in a sixth of unlimited-6x6's
    /// buffer: one output row per band (3 input rows and the row's results), 32 bands; a
    /// stride-2 1x1 convolution's band spans the row its stride skips.
    #[test]
    fn bands_are_whole_rows_that_fit_else_strips_of_a_row() {
        let vgg = vgg8_conv2();
        assert_eq!(vgg.need((1, 32), 128), (3 * 32 * 128 + 32 * 128) as u64);
        assert_eq!(vgg.band(128, 24_234), Some((1, 32)));
        assert_eq!(vgg.bands(128, 24_234), 32);
        assert_eq!(vgg.bands(128, vgg.need((32, 32), 128)), 1);
        // A join after the convolution stages its other operand beside the band's results.
        let joined = vgg.joined(1);
        assert_eq!(
            joined.need((1, 32), 128),
            (3 * 32 * 128 + 2 * 32 * 128) as u64
        );
        assert_eq!(joined.band(128, 24_234), Some((1, 32)));
        assert_eq!(joined.bands(128, vgg.need((32, 32), 128)), 2);
        // Less than a row: strips of columns, one row at a time.
        assert_eq!(vgg.band(128, 3 * 10 * 128 + 8 * 128), Some((1, 8)));
        assert_eq!(vgg.bands(128, 3 * 10 * 128 + 8 * 128), 32 * 4);
        let downsample = ConvImage {
            cin: 256,
            out: (1, 1),
            axes: (axis(1, 2, 2), axis(1, 2, 2)),
            beside: 0,
            pool: None,
        };
        assert_eq!(downsample.need((1, 1), 512), 2 * 2 * 256 + 512);
        assert_eq!(downsample.band(512, 1024), None);
    }

    /// Consecutive bands share the input rows both their windows span: two rows of a 3x3
    /// window at stride 1, one at stride 2, none for a 1x1 window or a stride that skips rows;
    /// strips of a row share them strip by strip, as wide as each strip's windows span.
    #[test]
    fn consecutive_bands_share_the_rows_both_windows_span() {
        let vgg = vgg8_conv2();
        let row = 32 * 128;
        assert_eq!(vgg.halo((1, 32)), 31 * 2 * row);
        assert_eq!(vgg.halo((8, 32)), 3 * 2 * row);
        assert_eq!(vgg.halo((32, 32)), 0);
        assert_eq!(vgg.halo((1, 8)), 4 * 31 * 2 * 10 * 128);
        let strided = ConvImage {
            out: (16, 16),
            axes: (axis(3, 2, 32), axis(3, 2, 32)),
            ..vgg
        };
        assert_eq!(strided.halo((4, 16)), 3 * row);
        let downsample = ConvImage {
            out: (16, 16),
            axes: (axis(1, 2, 32), axis(1, 2, 32)),
            ..vgg
        };
        assert_eq!(downsample.halo((4, 16)), 0);
    }

    /// A 2x2 pooling following VGG-8's second convolution: bands are pairs of whole rows that
    /// also hold their pooled row; no strips.
    #[test]
    fn pooled_bands_are_whole_window_rows() {
        let vgg = vgg8_conv2().pooled((2, 2));
        let two_rows = 4 * 32 * 128 + 2 * 32 * 128 + 16 * 128;
        assert_eq!(vgg.need((2, 32), 128), two_rows as u64);
        // Three rows would fit without the pooling; with it, two.
        assert_eq!(vgg.band(128, 5 * 32 * 128 + 3 * 32 * 128), Some((2, 32)));
        assert_eq!(vgg.bands(128, two_rows as u64), 16);
        assert_eq!(vgg.band(128, two_rows as u64 - 1), None);
    }
}
