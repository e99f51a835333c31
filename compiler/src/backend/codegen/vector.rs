//! Vector-unit layers and data moves: activations, pooling, binary ops, softmax, LRN, concat.

use super::{unsupported, Gen, Geometry, R};
use crate::program::layers::SINGLE_VOP_ACTS;
use pim_dialects::{DialectOp, Node, PimOp, ValueId};
use pim_runtime::container::{ConstValue, Lrn, Window};
use pim_runtime::isa::VOp;
use pim_runtime::Tensor;

impl Gen<'_> {
    /// The pixels per chunk of an elementwise layer with `buffers` operand/result copies.
    fn chunk_pixels(
        &self,
        node: &Node<PimOp>,
        channels: usize,
        pixels: usize,
        buffers: usize,
    ) -> R<usize> {
        let per_pixel = (channels * buffers) as u64;
        let n = (self.staging.capacity / per_pixel.max(1)) as usize;
        if n == 0 {
            return Err(self.capacity_error(&node.name, per_pixel));
        }
        Ok(n.min(pixels))
    }

    /// Whether one pixel of `channels` elements in `buffers` regions fits the staging buffer
    /// (the in-place paths; a row-major tensor is one pixel of all its elements, and goes
    /// through views in chunks when it does not fit).
    pub(super) fn pixel_fits(&self, channels: usize, buffers: usize) -> bool {
        (channels * buffers) as u64 <= self.staging.capacity
    }

    /// A vector-unit layer for one image.
    pub(super) fn vector_layer(&mut self, node: &Node<PimOp>, image: usize) -> R<()> {
        self.materialize_operands(node, image)?;
        let result = node.result;
        let (pixels, channels) = self.geometry(result)?;
        match &node.op {
            PimOp::Act { kind, alpha, beta }
                if !SINGLE_VOP_ACTS.contains(&kind.as_str()) || !self.pixel_fits(channels, 1) =>
            {
                self.function(node, kind, *alpha, *beta, image)
            }
            PimOp::Act { .. } | PimOp::PRelu {} => {
                let op = self.unary_in_place(node)?;
                self.elementwise(node, image, pixels, channels, |gen, a, _, n| {
                    op.apply(gen, a, channels, n)
                })
            }
            PimOp::Softmax { axis, log }
                if !over_features(*axis, self.func.shape(result).len()) =>
            {
                self.softmax_any_axis(node, *axis, *log != 0, image)
            }
            PimOp::Softmax { log, .. } if self.func.shape(result).len() == 4 => {
                // Over the channels of every pixel: groups of `channels` in HWC.
                let op = if *log != 0 {
                    VOp::LogSoftmax
                } else {
                    VOp::Softmax
                };
                self.elementwise(node, image, pixels, channels, |gen, a, _, n| {
                    gen.vop(op, a, a, None, channels, n, 0)
                })
            }
            PimOp::Softmax { log, .. } => {
                // One group per image (softmax over every feature does not depend on their
                // order, so an HWC-ordered flattening is fine), never split into chunks.
                if self.chunk_pixels(node, channels, pixels, 1)? < pixels {
                    return Err(self.capacity_error(&node.name, (pixels * channels) as u64));
                }
                let op = if *log != 0 {
                    VOp::LogSoftmax
                } else {
                    VOp::Softmax
                };
                self.elementwise(node, image, pixels, channels, |gen, a, _, n| {
                    gen.vop(op, a, a, None, n * channels, 1, 0)
                })
            }
            PimOp::Pool {
                kind,
                kernel,
                strides,
                pads,
                dilations,
                count_include_pad,
                ..
            } => self.pool(
                node,
                image,
                kind == "avg",
                [kernel, strides, pads, dilations],
                *count_include_pad != 0,
            ),
            PimOp::Binary { kind } if self.binary_in_place(node, kind)? => {
                self.binary(node, image, kind, pixels, channels)
            }
            PimOp::Binary { kind } => self.binary_moves(node, kind, image),
            PimOp::Lrn {
                size,
                alpha,
                beta,
                bias,
            } => {
                if self.func.shape(result).len() != 4 {
                    return Err(unsupported(node, "pim.lrn on a non-image"));
                }
                let param = self.add_constant(
                    format!("{}.lrn", node.name),
                    ConstValue::Lrn(Lrn {
                        size: u32::try_from(*size).map_err(|_| "bad LRN size")?,
                        alpha: *alpha,
                        beta: *beta,
                        bias: *bias,
                    }),
                )?;
                self.elementwise(node, image, pixels, channels, |gen, a, _, n| {
                    gen.vop(VOp::Lrn, a, a, None, channels, n, param)
                })
            }
            PimOp::Concat { axis } if self.concat_on_channels(node, *axis)? => {
                self.concat(node, image, pixels, channels)
            }
            PimOp::Concat { axis } => self.concat_moves(node, *axis, image),
            PimOp::Transpose { perm } => self.transpose(node, perm, image),
            PimOp::Pad { pads, value } => self.pad(node, pads, *value, image),
            PimOp::Reduce { kind, axes, .. } => self.reduce(node, kind, axes, image),
            PimOp::Norm { axes, epsilon } => self.norm(node, axes, *epsilon, image),
            PimOp::Slice {
                starts,
                sizes,
                steps,
            } => self.slice(node, starts, sizes, steps, image),
            PimOp::Expand { .. } => self.expand(node, image),
            PimOp::MatMul {} => self.matmul(node, image),
            _ => Err(unsupported(node, &node.op.op_name())),
        }
    }

    /// Runs `body(gen, a, b, pixels)` over chunks of pixels of an elementwise layer: its
    /// activation operands are loaded at `a` (and `b`), the result is stored from `a`.
    fn elementwise(
        &mut self,
        node: &Node<PimOp>,
        image: usize,
        pixels: usize,
        channels: usize,
        body: impl Fn(&mut Self, u64, u64, usize) -> R<()>,
    ) -> R<()> {
        let shape = (pixels, channels, 0);
        self.elementwise_into(node, node.result, image, shape, |gen, a, b| {
            body(gen, a.at, b, a.pixels)
        })
    }

    /// [`Gen::elementwise`] with the chunk `a` says where it is, storing `result` (the value
    /// `body` leaves at `a`), and room for `beside` more operands of the chunk's size.
    fn elementwise_into(
        &mut self,
        node: &Node<PimOp>,
        result: ValueId,
        image: usize,
        (pixels, channels, beside): (usize, usize, usize),
        body: impl Fn(&mut Self, Chunk, u64) -> R<()>,
    ) -> R<()> {
        let operands: Vec<ValueId> = node
            .operands
            .iter()
            .copied()
            .filter(|&v| self.constant(v).is_none())
            .collect();
        let buffers = operands.len().max(1) + beside;
        let chunk = self.chunk_pixels(node, channels, pixels, buffers)?;
        for p0 in (0..pixels).step_by(chunk) {
            let n = chunk.min(pixels - p0);
            self.reset_staging();
            let a = self.alloc_staging((n * channels) as u64, &node.name)?;
            let b = if operands.len() > 1 {
                self.alloc_staging((n * channels) as u64, &node.name)?
            } else {
                a
            };
            for (&v, dst) in operands.iter().zip([a, b]) {
                self.load(v, image, dst, p0, p0 + n)?;
            }
            let at = Chunk {
                at: a,
                image,
                p0,
                pixels: n,
                channels,
            };
            body(self, at, b)?;
            self.store(result, image, a, 0, channels, p0, n)?;
        }
        Ok(())
    }

    /// Concatenation on channels: each operand's channels are stored into their slice of the
    /// result (strided stores), a chunk of pixels at a time.
    fn concat(
        &mut self,
        node: &Node<PimOp>,
        image: usize,
        pixels: usize,
        channels: usize,
    ) -> R<()> {
        let mut ch0 = 0;
        for &v in &node.operands {
            if self.constant(v).is_some() {
                return Err(unsupported(node, "pim.concat with a constant operand"));
            }
            let (p, c) = self.geometry(v)?;
            if p != pixels || (self.func.shape(v).len() == 2 && self.form(v)?.mixes()) {
                return Err(unsupported(node, "pim.concat of HWC-ordered flattenings"));
            }
            let chunk = self.chunk_pixels(node, c, pixels, 1)?;
            for p0 in (0..pixels).step_by(chunk) {
                let n = chunk.min(pixels - p0);
                self.reset_staging();
                let a = self.alloc_staging((n * c) as u64, &node.name)?;
                self.load(v, image, a, p0, p0 + n)?;
                self.store(node.result, image, a, ch0, c, p0, n)?;
            }
            ch0 += c;
        }
        if ch0 != channels {
            return Err(format!(
                "the operands have {ch0} channels, the result {channels}"
            ));
        }
        Ok(())
    }

    fn pool(
        &mut self,
        node: &Node<PimOp>,
        image: usize,
        avg: bool,
        [kernel, strides, pads, dilations]: [&Vec<i64>; 4],
        include_pad: bool,
    ) -> R<()> {
        let input = node.operands[0];
        let in_shape = self.func.shape(input).to_vec();
        let out_shape = self.func.shape(node.result).to_vec();
        let (c, ih, iw) = (in_shape[1], in_shape[2], in_shape[3]);
        let (oh, ow) = (out_shape[2], out_shape[3]);
        let u = |v: i64| v.max(0) as u32;
        // ceil_mode as extra bottom/right padding: just enough for the IR's output size.
        let extra = |out: usize, input: usize, k: i64, s: i64, d: i64, pa: i64, pb: i64| {
            let need = (out as i64 - 1) * s + d * (k - 1) + 1;
            (need - (input as i64 + pa + pb)).max(0)
        };
        let eb = extra(
            oh,
            ih,
            kernel[0],
            strides[0],
            dilations[0],
            pads[0],
            pads[2],
        );
        let er = extra(
            ow,
            iw,
            kernel[1],
            strides[1],
            dilations[1],
            pads[1],
            pads[3],
        );
        if (eb > 0 || er > 0) && avg && include_pad {
            return Err(unsupported(
                node,
                "average pooling with both ceil_mode and count_include_pad",
            ));
        }
        let whole = Window {
            in_h: ih as u32,
            in_w: iw as u32,
            channels: c as u32,
            c0: 0,
            cn: c as u32,
            kernel_h: u(kernel[0]),
            kernel_w: u(kernel[1]),
            stride_h: u(strides[0]),
            stride_w: u(strides[1]),
            dilation_h: u(dilations[0]),
            dilation_w: u(dilations[1]),
            pad_top: u(pads[0]),
            pad_left: u(pads[1]),
            pad_bottom: u(pads[2] + eb),
            pad_right: u(pads[3] + er),
            row0: 0,
            include_pad,
        };
        if whole.pad_bottom.max(whole.pad_top) >= whole.kernel_h
            || whole.pad_right.max(whole.pad_left) >= whole.kernel_w
        {
            return Err(unsupported(
                node,
                "pooling whose padding is not smaller than its kernel",
            ));
        }
        if (whole.out_h(), whole.out_w()) != (oh as u64, ow as u64) {
            return Err(format!(
                "the pooling window gives {}x{} pixels, the IR {oh}x{ow}",
                whole.out_h(),
                whole.out_w()
            ));
        }
        let geo = Geometry {
            kernel: kernel[0],
            stride: strides[0],
            dilation: dilations[0],
            pad_top: pads[0],
            pad_bottom: pads[2] + eb,
            input: ih,
        };
        // Bands of output rows, and groups of channels when one row of all does not fit.
        let fits = |n: usize, cg: usize| ((geo.max_rows(n) * iw + n * ow) * cg) as u64;
        let group = if fits(1, c) <= self.staging.capacity {
            c
        } else {
            (self.staging.capacity / fits(1, 1).max(1)) as usize
        };
        if group == 0 {
            return Err(self.capacity_error(&node.name, fits(1, 1)));
        }
        let band_rows = (1..=oh)
            .rev()
            .find(|&n| fits(n, group) <= self.staging.capacity)
            .ok_or_else(|| self.capacity_error(&node.name, fits(1, group)))?;
        let op = if avg { VOp::AvgPool } else { VOp::MaxPool };
        for c0 in (0..c).step_by(group) {
            let cg = group.min(c - c0);
            self.pool_channels(node, image, op, &whole, &geo, band_rows, c0..c0 + cg)?;
        }
        Ok(())
    }

    /// Channels `chans` of a pooling, in bands of `band_rows` output rows.
    #[allow(clippy::too_many_arguments)]
    fn pool_channels(
        &mut self,
        node: &Node<PimOp>,
        image: usize,
        op: VOp,
        whole: &Window,
        geo: &Geometry,
        band_rows: usize,
        chans: std::ops::Range<usize>,
    ) -> R<()> {
        let (iw, ow) = (whole.in_w as usize, whole.out_w() as usize);
        let oh = whole.out_h() as usize;
        let c = chans.len();
        let mut previous = None;
        for oy0 in (0..oh).step_by(band_rows) {
            let oy1 = (oy0 + band_rows).min(oh);
            let band = geo.band_until_next(oy0, oy1, oh)?;
            let win = Window {
                in_h: (band.r1 - band.r0) as u32,
                channels: c as u32,
                cn: c as u32,
                pad_top: band.pad_top,
                pad_bottom: band.pad_bottom,
                ..*whole
            };
            if win.out_h() != (oy1 - oy0) as u64 {
                return Err(format!(
                    "internal error: the pooling window of rows {oy0}..{oy1} gives {} rows",
                    win.out_h()
                ));
            }
            let param =
                self.window_constant(format!("{}.win.y{oy0}.c{}", node.name, chans.start), win)?;
            let in_len = (band.r1 - band.r0) * iw * c;
            self.reset_staging();
            let a = self.alloc_staging(in_len as u64, &node.name)?;
            let dst = self.alloc_staging(((oy1 - oy0) * ow * c) as u64, &node.name)?;
            let load = self.keep_shared_rows(a, iw * c, previous.take(), band.r0..band.r1)?;
            self.load_channels(
                node.operands[0],
                image,
                a + ((load.start - band.r0) * iw * c) as u64,
                load.start * iw..load.end * iw,
                chans.clone(),
            )?;
            previous = Some(band.r0..band.r1);
            self.vop(op, dst, a, None, in_len, 1, param)?;
            self.store(
                node.result,
                image,
                dst,
                chans.start,
                c,
                oy0 * ow,
                (oy1 - oy0) * ow,
            )?;
        }
        Ok(())
    }

    fn binary(
        &mut self,
        node: &Node<PimOp>,
        image: usize,
        kind: &str,
        pixels: usize,
        channels: usize,
    ) -> R<()> {
        let (x, y) = (node.operands[0], node.operands[1]);
        let out_shape = self.func.shape(node.result).to_vec();
        match (self.constant(x), self.constant(y)) {
            (None, None) => {
                if self.func.shape(x) != out_shape.as_slice()
                    || self.func.shape(y) != out_shape.as_slice()
                {
                    return Err(unsupported(
                        node,
                        "a broadcasting binary op between activations",
                    ));
                }
                if !self.form(x)?.same_order(self.form(y)?) {
                    return Err(unsupported(
                        node,
                        "a binary op between differently ordered operands",
                    ));
                }
                let op = binary_vop(node, kind)?;
                self.elementwise(node, image, pixels, channels, |gen, a, b, n| {
                    gen.vop(op, a, a, Some(b), n * channels, 1, 0)
                })
            }
            (None, Some(_)) => {
                let op = self.unary_in_place(node)?;
                self.elementwise(node, image, pixels, channels, |gen, a, _, n| {
                    op.apply(gen, a, channels, n)
                })
            }
            (Some(k), None) if matches!(kind, "add" | "mul" | "sub") => {
                // k + x = x + k, k * x = x * k, k - x = (-x) + k.
                if self.func.shape(y) != out_shape.as_slice() {
                    return Err(unsupported(node, "a binary op broadcasting its activation"));
                }
                let values = self.per_channel_constant(node, k, y, channels)?;
                let (op, name) = if kind == "mul" {
                    (VOp::Scale, "mul")
                } else {
                    (VOp::Bias, "add")
                };
                let scalar = values.len() == 1;
                let param =
                    self.add_constant(format!("{}.{name}", node.name), ConstValue::Floats(values))?;
                let negate = if kind == "sub" {
                    Some(self.add_constant(
                        format!("{}.negate", node.name),
                        ConstValue::Floats(vec![-1.0]),
                    )?)
                } else {
                    None
                };
                self.elementwise(node, image, pixels, channels, |gen, a, _, n| {
                    if let Some(minus) = negate {
                        gen.vop(VOp::Scale, a, a, None, n * channels, 1, minus)?;
                    }
                    if scalar {
                        gen.vop(op, a, a, None, n * channels, 1, param)
                    } else {
                        gen.vop(op, a, a, None, channels, n, param)
                    }
                })
            }
            _ => Err(unsupported(
                node,
                "a binary op with a constant first operand (other than add, mul, sub)",
            )),
        }
    }
}

/// A vector-unit op applied in place to pixels of `channels` elements in the buffer: one `vop`
/// over all their elements, or one per pixel with a per-channel parameter.
#[derive(Debug, Clone, Copy)]
pub(super) struct InPlace {
    op: VOp,
    param: u32,
    per_pixel: bool,
}

impl InPlace {
    /// The op on `pixels` pixels at `at`.
    pub(super) fn apply(self, gen: &mut Gen, at: u64, channels: usize, pixels: usize) -> R<()> {
        if self.per_pixel {
            gen.vop(self.op, at, at, None, channels, pixels, self.param)
        } else {
            gen.vop(self.op, at, at, None, pixels * channels, 1, self.param)
        }
    }
}

/// A follower's op on a band or chunk of its operand in the buffer (`Stage::followers`).
#[derive(Debug, Clone, Copy)]
pub(super) enum TailOp {
    /// An op of the operand alone.
    InPlace(InPlace),
    /// A join: a binary op of the operand and the same pixels of `other`, loaded beside it;
    /// `onto` is the operand's position (0: `operand op other`, 1: `other op operand`).
    Join {
        op: VOp,
        other: ValueId,
        onto: usize,
    },
}

/// Where a band or chunk of `pixels` pixels of `channels` elements sits: in the buffer at `at`,
/// pixels `p0..p0 + pixels` of image `image`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Chunk {
    pub at: u64,
    pub image: usize,
    pub p0: usize,
    pub pixels: usize,
    pub channels: usize,
}

/// What a layer's result goes through in the buffer before it is stored: the layers that
/// follow it there (`Stage::followers`), a crossbar layer's fused ReLU first, then their ops;
/// and the value stored (the last follower's result).
#[derive(Debug, Clone, Default)]
pub(super) struct Tail {
    /// The fused ReLU (`Stage::fused_activation`), applied with the accumulation.
    pub relu: bool,
    /// The ops of the other followers, in order.
    pub ops: Vec<TailOp>,
    /// A pooling of a convolution's bands that ends the chain (`Stage::pool`).
    pub pool: Option<PoolTail>,
    /// The last follower's result, stored instead of the layer's.
    pub result: Option<ValueId>,
}

/// A pooling whose windows tile a convolution's image, applied to each band of whole window rows
/// in the buffer (`VectorWork::tiling_pool`).
#[derive(Debug, Clone)]
pub(super) struct PoolTail {
    /// `max_pool` or `avg_pool`.
    pub op: VOp,
    /// Its kernel (= strides): rows, columns.
    pub kernel: (usize, usize),
    /// The pooling layer's name, for its window constants.
    pub name: String,
    /// The in-place ops of the layers that follow the pooling, on the pooled rows.
    pub ops: Vec<TailOp>,
}

impl Tail {
    /// How many of its ops are joins (each stages an operand beside the chunk).
    pub(super) fn joins(&self) -> usize {
        self.ops
            .iter()
            .filter(|op| matches!(op, TailOp::Join { .. }))
            .count()
    }

    /// Its ops on `chunk` (before a pooling).
    pub(super) fn apply(&self, gen: &mut Gen, chunk: Chunk) -> R<()> {
        apply_ops(&self.ops, gen, chunk)
    }
}

/// `ops` on `chunk`: a join loads its other operand's pixels into the staging buffer.
pub(super) fn apply_ops(ops: &[TailOp], gen: &mut Gen, chunk: Chunk) -> R<()> {
    let Chunk {
        at,
        image,
        p0,
        pixels,
        channels,
    } = chunk;
    for op in ops {
        match *op {
            TailOp::InPlace(op) => op.apply(gen, at, channels, pixels)?,
            TailOp::Join { op, other, onto } => {
                if gen.geometry(other)?.1 != channels {
                    return Err("internal error: a join of images of other channels".into());
                }
                let b = gen.alloc_staging((pixels * channels) as u64, "join")?;
                gen.load(other, image, b, p0, p0 + pixels)?;
                let (x, y) = if onto == 0 { (at, b) } else { (b, at) };
                gen.vop(op, at, x, Some(y), pixels * channels, 1, 0)?;
            }
        }
    }
    Ok(())
}

impl Gen<'_> {
    /// The op of an in-place layer of one activation operand (`VectorWork::in_place`): a
    /// single-`vop` activation, a PReLU, or an add, sub, mul or div of the activation (first)
    /// and a scalar or per-channel constant.
    pub(super) fn unary_in_place(&mut self, node: &Node<PimOp>) -> R<InPlace> {
        let (_, channels) = self.geometry(node.result)?;
        let flat = |op, param| InPlace {
            op,
            param,
            per_pixel: false,
        };
        let (op, values, name) = match &node.op {
            PimOp::Act { kind, alpha, beta } => match kind.as_str() {
                "relu" => return Ok(flat(VOp::Relu, 0)),
                "sigmoid" => return Ok(flat(VOp::Sigmoid, 0)),
                "tanh" => return Ok(flat(VOp::Tanh, 0)),
                "leaky_relu" => (VOp::LeakyRelu, vec![*alpha], "alpha"),
                "elu" => (VOp::Elu, vec![*alpha], "alpha"),
                "clip" => (VOp::Clip, vec![*alpha, *beta], "bounds"),
                other => return Err(unsupported(node, &format!("pim.act kind `{other}`"))),
            },
            PimOp::PRelu {} => (VOp::Prelu, self.prelu_slopes(node, channels)?, "slope"),
            PimOp::Binary { kind } => {
                let (x, k) = match node.operands[..] {
                    [x, y] => (x, self.constant(y)),
                    _ => return Err(unsupported(node, "a pim.binary without two operands")),
                };
                let k =
                    k.ok_or_else(|| unsupported(node, "a binary op of two activations here"))?;
                if self.func.shape(x) != self.func.shape(node.result) {
                    return Err(unsupported(node, "a binary op broadcasting its activation"));
                }
                let values = self.per_channel_constant(node, k, x, channels)?;
                match kind.as_str() {
                    "add" => (VOp::Bias, values, "add"),
                    "sub" => (VOp::Bias, values.iter().map(|v| -v).collect(), "sub"),
                    "mul" => (VOp::Scale, values, "mul"),
                    "div" => (VOp::Scale, values.iter().map(|v| 1.0 / v).collect(), "div"),
                    other => return Err(unsupported(node, &format!("pim.binary kind `{other}`"))),
                }
            }
            _ => return Err(unsupported(node, &node.op.op_name())),
        };
        // Activation parameters are one constant; slopes and binary constants one per channel
        // unless they are a scalar.
        let per_pixel = !matches!(node.op, PimOp::Act { .. }) && values.len() > 1;
        let param =
            self.add_constant(format!("{}.{name}", node.name), ConstValue::Floats(values))?;
        Ok(InPlace {
            op,
            param,
            per_pixel,
        })
    }

    /// A join (`TailOp::Join`): the binary op `node` of two images computed onto its operand
    /// `onto`, the other loaded beside it.
    pub(super) fn join(&self, node: &Node<PimOp>, onto: usize) -> R<TailOp> {
        let PimOp::Binary { kind } = &node.op else {
            return Err(unsupported(node, "a join that is not a pim.binary"));
        };
        Ok(TailOp::Join {
            op: binary_vop(node, kind)?,
            other: node.operands[1 - onto],
            onto,
        })
    }

    /// The pooling `node` as a tail of `kernel` (`Stage::pool`).
    pub(super) fn pool_tail(
        &self,
        node: &Node<PimOp>,
        kernel: (usize, usize),
        ops: Vec<TailOp>,
    ) -> R<PoolTail> {
        let PimOp::Pool { kind, .. } = &node.op else {
            return Err(format!("internal error: `{}` is not a pooling", node.name));
        };
        let op = if kind == "avg" {
            VOp::AvgPool
        } else {
            VOp::MaxPool
        };
        Ok(PoolTail {
            op,
            kernel,
            name: node.name.clone(),
            ops,
        })
    }

    /// A PReLU's slopes: a scalar or one per channel.
    fn prelu_slopes(&self, node: &Node<PimOp>, channels: usize) -> R<Vec<f32>> {
        let slope = node
            .operands
            .get(1)
            .and_then(|&v| self.constant(v))
            .ok_or_else(|| unsupported(node, "pim.prelu with run-time slopes"))?;
        let result = node.result;
        let per_channel = slope.len() == channels
            && slope.shape().iter().filter(|&&d| d != 1).count() <= 1
            && !(self.func.shape(result).len() == 2 && self.form(result)?.mixes());
        if slope.len() != 1 && !per_channel {
            return Err(unsupported(
                node,
                "pim.prelu with slopes that are not a scalar or per channel",
            ));
        }
        Ok(slope.data().to_vec())
    }

    /// An in-place vector layer (`VectorWork::in_place`) and the layers that follow it in the
    /// buffer (`tail`), for one image: chunk by chunk, its operands are loaded, the layer and
    /// its tail run, and the tail's result is stored.
    pub(super) fn vector_chain(&mut self, node: &Node<PimOp>, tail: &Tail, image: usize) -> R<()> {
        self.materialize_operands(node, image)?;
        let (pixels, channels) = self.geometry(node.result)?;
        // A binary op of two images (`b` holds the second), else an op of one operand.
        let binary = match &node.op {
            PimOp::Binary { kind } if node.operands.iter().all(|&v| self.constant(v).is_none()) => {
                Some(binary_vop(node, kind)?)
            }
            _ => None,
        };
        let unary = match binary {
            Some(_) => None,
            None => Some(self.unary_in_place(node)?),
        };
        let result = tail.result.unwrap_or(node.result);
        let shape = (pixels, channels, tail.joins());
        self.elementwise_into(node, result, image, shape, |gen, a, b| {
            if let Some(op) = unary {
                op.apply(gen, a.at, channels, a.pixels)?;
            }
            if let Some(op) = binary {
                gen.vop(op, a.at, a.at, Some(b), a.pixels * channels, 1, 0)?;
            }
            tail.apply(gen, a)
        })
    }

    /// The values of a constant operand of a binary op on `x`: a scalar or one value per
    /// channel (image) / feature (vector).
    pub(super) fn per_channel_constant(
        &self,
        node: &Node<PimOp>,
        k: &Tensor,
        x: ValueId,
        channels: usize,
    ) -> R<Vec<f32>> {
        let rank = self.func.shape(x).len();
        let per_channel = k.len() == channels
            && k.shape().iter().filter(|&&d| d != 1).count() <= 1
            && if rank == 2 {
                !self.form(x)?.mixes()
            } else {
                k.shape().len() >= 3 && k.shape()[k.shape().len() - 3] == channels
            };
        if k.len() != 1 && !per_channel {
            return Err(unsupported(
                node,
                "a binary op with a constant that is not a scalar or per channel",
            ));
        }
        Ok(k.data().to_vec())
    }
}

/// Whether a softmax along `axis` of a rank-`rank` result is over the features of a vector or
/// the channels of an image (the in-place paths); any other axis is gathered innermost.
fn over_features(axis: i64, rank: usize) -> bool {
    let rank = rank as i64;
    (rank == 2 || rank == 4) && (axis == 1 || axis == 1 - rank)
}

/// A window of `kernel` moving by `strides` over an `in_h x in_w` image of `channels` channels
/// (all of them), without padding or dilation.
pub(super) fn plain_window(
    (in_h, in_w): (u32, u32),
    channels: u32,
    kernel: (u32, u32),
    strides: (u32, u32),
) -> Window {
    Window {
        in_h,
        in_w,
        channels,
        c0: 0,
        cn: channels,
        kernel_h: kernel.0,
        kernel_w: kernel.1,
        stride_h: strides.0,
        stride_w: strides.1,
        dilation_h: 1,
        dilation_w: 1,
        pad_top: 0,
        pad_left: 0,
        pad_bottom: 0,
        pad_right: 0,
        row0: 0,
        include_pad: false,
    }
}

/// The vector-unit op of a `pim.binary` of `kind`.
pub(super) fn binary_vop(node: &Node<PimOp>, kind: &str) -> R<VOp> {
    match kind {
        "add" => Ok(VOp::Add),
        "sub" => Ok(VOp::Sub),
        "mul" => Ok(VOp::Mul),
        "div" => Ok(VOp::Div),
        "max" => Ok(VOp::Max),
        "min" => Ok(VOp::Min),
        other => Err(unsupported(node, &format!("pim.binary kind `{other}`"))),
    }
}
