//! Data moves as strided `load`/`store` code (`docs/backend.md` §2, §5).
//!
//! A [`View`] describes one image of a value in DRAM: for each logical axis, the sizes and
//! element strides of its sub-dimensions (an HWC image seen as `[1, C, H, W]` has strides
//! `(0; 1; W*C; C)`; a reshape splits or merges sub-dimensions). Transposes permute the axes,
//! broadcasts give an axis stride 0, concatenation and padding restrict the destination to a
//! slice. A move copies a source view into a destination view of the same axes through the
//! staging buffer, in chunks that fit it: each chunk is gathered with strided `load`s (one
//! instruction per block of up to two dimensions: `len` contiguous elements, `count` blocks)
//! and scattered with strided `store`s. Broadcasting binary ops gather both operands, apply one
//! `vop`, and scatter the result. Constants are placed in the weights section and read like
//! activations.

use super::{dram, u24, unsupported, Gen, Layout, Stored, ValueId, R};
use pim_dialects::{Node, PimOp};
use pim_runtime::container::WeightBlob;
use pim_runtime::isa::{Instruction, VOp};

/// Sub-dimensions of one axis, outer first: (size, stride in elements).
type Dims = Vec<(usize, u64)>;

/// Unrolled blocks above which a move is refused (the code would be unreasonably large).
const MAX_BLOCKS: usize = 1 << 20;

/// One image of a value in DRAM, axis by axis.
#[derive(Debug, Clone)]
pub(super) struct View {
    /// Element address of the first element.
    pub(super) base: u64,
    /// The sub-dimensions of every axis.
    axes: Vec<Dims>,
}

impl View {
    /// The view of `dims` (outer first, in logical order) regrouped into the axes of `shape`:
    /// `None` when a sub-dimension would have to be split at a point that does not divide it.
    pub(super) fn regroup(base: u64, dims: &[(usize, u64)], shape: &[usize]) -> Option<View> {
        let mut queue: Vec<(usize, u64)> = merge(dims.iter().copied().filter(|d| d.0 != 1));
        queue.reverse();
        let mut axes = Vec::with_capacity(shape.len());
        for &size in shape {
            let mut group = Dims::new();
            let mut need = size;
            while need > 1 {
                let (n, stride) = queue.pop()?;
                if need.is_multiple_of(n) {
                    group.push((n, stride));
                    need /= n;
                } else if n.is_multiple_of(need) {
                    group.push((need, stride * (n / need) as u64));
                    queue.push((n / need, stride));
                    need = 1;
                } else {
                    return None;
                }
            }
            axes.push(group);
        }
        queue.is_empty().then_some(View { base, axes })
    }

    /// A row-major view of `shape` at `base`.
    fn row_major(base: u64, shape: &[usize]) -> View {
        let mut stride = 1u64;
        let mut axes: Vec<Dims> = shape
            .iter()
            .rev()
            .map(|&n| {
                let axis = vec![(n, stride)];
                stride *= n as u64;
                axis
            })
            .collect();
        axes.reverse();
        View { base, axes }
    }

    /// Every sub-dimension in logical order.
    pub(super) fn flat(&self) -> Vec<(usize, u64)> {
        self.axes.iter().flatten().copied().collect()
    }

    /// The size of axis `a`.
    pub(super) fn size(&self, a: usize) -> usize {
        self.axes[a].iter().map(|d| d.0).product()
    }

    /// The sizes of all axes.
    pub(super) fn shape(&self) -> Vec<usize> {
        (0..self.axes.len()).map(|a| self.size(a)).collect()
    }

    /// Axes reordered: axis `i` of the result is axis `perm[i]`.
    pub(super) fn permute(&self, perm: &[usize]) -> R<View> {
        let axes = perm
            .iter()
            .map(|&p| self.axes.get(p).cloned())
            .collect::<Option<Vec<_>>>()
            .ok_or("a permutation naming an axis the tensor does not have")?;
        Ok(View { axes, ..*self })
    }

    /// Broadcast (numpy rules, aligned on the last axis) to `shape`.
    pub(super) fn broadcast(&self, shape: &[usize]) -> R<View> {
        let extra = shape.len().checked_sub(self.axes.len()).ok_or_else(|| {
            format!(
                "cannot broadcast {:?} to the lower rank {shape:?}",
                self.shape()
            )
        })?;
        let mut axes: Vec<Dims> = shape[..extra]
            .iter()
            .map(|&n| if n == 1 { Dims::new() } else { vec![(n, 0)] })
            .collect();
        for (a, dims) in self.axes.iter().enumerate() {
            let (have, want) = (self.size(a), shape[extra + a]);
            axes.push(match (have, want) {
                _ if have == want => dims.clone(),
                (1, _) => vec![(want, 0)],
                _ => return Err(format!("cannot broadcast {:?} to {shape:?}", self.shape())),
            });
        }
        Ok(View {
            axes,
            base: self.base,
        })
    }

    /// Elements `start + k * step` (`k < len`) of axis `a`, which must be one sub-dimension
    /// (or a whole-block restriction when `step` is 1).
    pub(super) fn slice(&self, a: usize, start: usize, len: usize, step: usize) -> R<View> {
        if step == 1 {
            return self.restrict(a, start, len);
        }
        let mut view = self.clone();
        match view.axes[a].as_mut_slice() {
            [(n, stride)] if start + (len.max(1) - 1) * step < *n => {
                view.base += start as u64 * *stride;
                *n = len;
                *stride *= step as u64;
                Ok(view)
            }
            _ => Err(format!(
                "cannot take every {step}th element of axis {a} from {start} ({len} elements)"
            )),
        }
    }

    /// The view's first `k` axes and its remaining ones (the second at base 0).
    pub(super) fn split(&self, k: usize) -> (View, View) {
        let (outer, inner) = self.axes.split_at(k.min(self.axes.len()));
        (
            View {
                base: self.base,
                axes: outer.to_vec(),
            },
            View {
                base: 0,
                axes: inner.to_vec(),
            },
        )
    }

    /// The same elements with one more axis, of size 1, at the end.
    pub(super) fn with_trailing_unit(&self) -> View {
        let mut view = self.clone();
        view.axes.push(Dims::new());
        view
    }

    /// Elements `start..start + len` of axis `a` (whole blocks of its outer sub-dimension).
    pub(super) fn restrict(&self, a: usize, start: usize, len: usize) -> R<View> {
        let mut view = self.clone();
        let dims = &mut view.axes[a];
        let inner: usize = dims.iter().skip(1).map(|d| d.0).product();
        match dims.first_mut() {
            Some(outer) if start.is_multiple_of(inner) && len.is_multiple_of(inner) => {
                view.base += (start / inner) as u64 * outer.1;
                outer.0 = len / inner;
            }
            None if start == 0 && len == 1 => {}
            _ => return Err(format!("cannot slice {start}..{} of axis {a}", start + len)),
        }
        Ok(view)
    }
}

/// Adjacent sub-dimensions merged where the outer one steps over the whole inner one.
fn merge(dims: impl IntoIterator<Item = (usize, u64)>) -> Vec<(usize, u64)> {
    let mut out: Vec<(usize, u64)> = Vec::new();
    for (n, s) in dims {
        match out.last_mut() {
            Some(last) if last.1 == s * n as u64 => *last = (last.0 * n, s),
            _ => out.push((n, s)),
        }
    }
    out
}

/// One dimension of a move: its size and the stride of every participant.
#[derive(Debug, Clone)]
pub(super) struct Joint {
    pub(super) size: usize,
    pub(super) strides: Vec<u64>,
}

/// The common refinement of the views' axes (all of the same shape), as joint dimensions.
pub(super) fn joint(views: &[&View]) -> R<Vec<Joint>> {
    let first = views.first().ok_or("a move without operands")?;
    let mut out = Vec::new();
    for a in 0..first.axes.len() {
        // Boundaries: products of the inner sub-dimensions of each view's axis.
        let mut bounds: Vec<usize> = Vec::new();
        for v in views {
            let mut inner = 1;
            for &(n, _) in v.axes[a].iter().rev() {
                inner *= n;
                bounds.push(inner);
            }
        }
        bounds.sort_unstable();
        bounds.dedup();
        let mut sizes = Vec::new();
        let mut below = 1;
        for &b in &bounds {
            if !b.is_multiple_of(below) {
                return Err("the operands' layouts cannot be matched element by element".into());
            }
            sizes.push(b / below);
            below = b;
        }
        // Inner first: each view's stride at every refined dimension.
        let mut strides: Vec<Vec<u64>> = vec![Vec::new(); sizes.len()];
        for v in views {
            let mut k = 0;
            for &(n, s) in v.axes[a].iter().rev() {
                let mut covered = 1;
                let mut step = s;
                while covered < n {
                    strides[k].push(step);
                    step *= sizes[k] as u64;
                    covered *= sizes[k];
                    k += 1;
                }
            }
            for row in strides.iter_mut().skip(k) {
                row.push(0);
            }
        }
        for (size, strides) in sizes.into_iter().zip(strides).rev() {
            out.push(Joint { size, strides });
        }
    }
    Ok(out.into_iter().filter(|j| j.size > 1).collect())
}

/// Chunks of `sizes` (outer first) of at most `cap` elements: per dimension (start, len).
pub(super) fn boxes(sizes: &[usize], cap: usize) -> Vec<Vec<(usize, usize)>> {
    let Some((&n, rest)) = sizes.split_first() else {
        return vec![Vec::new()];
    };
    let inner: usize = rest.iter().product();
    let whole: Vec<(usize, usize)> = rest.iter().map(|&m| (0, m)).collect();
    if inner <= cap {
        let step = (cap / inner.max(1)).max(1);
        return (0..n)
            .step_by(step)
            .map(|s| {
                let mut b = vec![(s, step.min(n - s))];
                b.extend(&whole);
                b
            })
            .collect();
    }
    let subs = boxes(rest, cap);
    (0..n)
        .flat_map(|i| {
            subs.iter().map(move |sub| {
                let mut b = vec![(i, 1)];
                b.extend(sub);
                b
            })
        })
        .collect()
}

/// Which way a block move goes.
#[derive(Clone, Copy)]
pub(super) enum Way {
    Load,
    Store,
}

impl Gen<'_> {
    /// One image's slice shape of `value`: dimension 0 is the image (1) when the IR is batched.
    fn slice_shape(&self, value: ValueId) -> Vec<usize> {
        let mut shape = self.func.shape(value).to_vec();
        if self.images.ir > 1 {
            if let Some(d0) = shape.first_mut() {
                *d0 = 1;
            }
        }
        shape
    }

    /// The view of image `image` of `value` (activations, reshapes of them, constants).
    pub(super) fn view(&mut self, value: ValueId, image: usize) -> R<View> {
        let shape = self.slice_shape(value);
        if self.constant(value).is_some() {
            return self.operand_view(value, image, shape.len());
        }
        let Some(s) = self.stored[value] else {
            let node = self.producers[value]
                .map(|n| &self.func.nodes[n])
                .filter(|n| matches!(n.op, PimOp::Reshape { .. }))
                .ok_or_else(|| format!("value {value} is not stored"))?;
            let src = self.view(node.operands[0], image)?;
            return View::regroup(src.base, &src.flat(), &shape)
                .ok_or_else(|| unsupported(node, "a reshape not expressible as a strided view"));
        };
        let base = self.image_addr(s.addr, s.stride, image)?;
        let dims: Vec<(usize, u64)> = match s.layout {
            Layout::RowMajor => View::row_major(base, &shape).flat(),
            Layout::Hwc { c, h, w } => vec![(c, 1), (h, (w * c) as u64), (w, c as u64)],
        };
        View::regroup(base, &dims, &shape).ok_or_else(|| {
            format!("internal error: value {value} of shape {shape:?} does not match its layout")
        })
    }

    /// The view of image `image` of operand `value` of a layer whose result has rank `rank`:
    /// a constant of that rank whose dimension 0 is the batch has one slice per image, other
    /// constants are the same for every image.
    pub(super) fn operand_view(&mut self, value: ValueId, image: usize, rank: usize) -> R<View> {
        let Some(k) = self.constant(value) else {
            return self.view(value, image);
        };
        let addr = self.place_constant(value)?;
        let mut shape = k.shape().to_vec();
        let ir = self.images.ir as usize;
        if ir > 1 && shape.len() == rank && shape.first() == Some(&ir) {
            shape[0] = 1;
            let slice = (k.len() / ir) as u64;
            let base = match self.registers {
                Some(_) => self.batched_constant(value, addr, slice)?,
                None => addr,
            };
            return Ok(View::row_major(
                self.image_addr(base, slice, image)?,
                &shape,
            ));
        }
        Ok(View::row_major(addr, &shape))
    }

    /// The register-relative address of batched constant `value` at `addr` (one slice of
    /// `slice` elements per image) in a looped program; a register of its own the first time.
    fn batched_constant(&mut self, value: ValueId, addr: u64, slice: u64) -> R<u64> {
        let known = self.batched_constants.iter().find(|(v, _)| *v == value);
        let reg = match (known, self.registers.as_mut()) {
            (Some(&(_, reg)), _) => reg,
            (None, Some(registers)) => {
                let reg = registers
                    .claim(slice)
                    .ok_or("internal error: out of address registers")?;
                self.batched_constants.push((value, reg));
                reg
            }
            (None, None) => return Ok(addr),
        };
        Ok(super::regions::relative(reg, addr))
    }

    /// The DRAM address of constant `value`, placed in the weights section the first time.
    fn place_constant(&mut self, value: ValueId) -> R<u64> {
        if let Some(s) = self.stored[value] {
            return Ok(s.addr);
        }
        let k = self.constant(value).ok_or("not a constant")?;
        let offset = self.program.weights.len() as u64;
        self.program.weights.extend_from_slice(k.data());
        self.program.weight_blobs.push(WeightBlob {
            name: format!("const{value}"),
            offset,
            len: k.len() as u64,
            shape: k.shape().iter().map(|&d| d as u64).collect(),
        });
        let addr = self.program.weights_dram_base + offset;
        self.stored[value] = Some(Stored {
            addr,
            per_image: 0,
            stride: 0,
            layout: Layout::RowMajor,
        });
        Ok(addr)
    }

    /// A 1-element constant holding `value` in the weights section, broadcast to `shape`.
    pub(super) fn scalar_view(&mut self, name: String, value: f32, shape: &[usize]) -> R<View> {
        let placed = self.program.weight_blobs.iter().find(|b| b.name == name);
        let offset = match placed {
            Some(blob) => blob.offset,
            None => {
                let offset = self.program.weights.len() as u64;
                self.program.weights.push(value);
                self.program.weight_blobs.push(WeightBlob {
                    name,
                    offset,
                    len: 1,
                    shape: vec![1],
                });
                offset
            }
        };
        let one = View::row_major(self.program.weights_dram_base + offset, &[1]);
        one.broadcast(shape)
    }

    /// Copies `src` into `dst` (same axes) through the staging buffer.
    pub(super) fn copy_view(&mut self, node: &Node<PimOp>, src: &View, dst: &View) -> R<()> {
        self.combine(node, &[src], dst, None)
    }

    /// `dst = op(srcs[0], srcs[1])` elementwise (or a copy of `srcs[0]` without `op`), chunk
    /// by chunk through the staging buffer.
    pub(super) fn combine(
        &mut self,
        node: &Node<PimOp>,
        srcs: &[&View],
        dst: &View,
        op: Option<VOp>,
    ) -> R<()> {
        let mut all: Vec<&View> = srcs.to_vec();
        all.push(dst);
        if all.iter().any(|v| v.shape() != dst.shape()) {
            let shapes: Vec<Vec<usize>> = all.iter().map(|v| v.shape()).collect();
            return Err(format!(
                "internal error: a move between different shapes {shapes:?} in `{}`",
                node.name
            ));
        }
        let mut dims = joint(&all)?;
        // Destination order, outer first.
        dims.sort_by_key(|j| std::cmp::Reverse(j.strides[srcs.len()]));
        let dims = merge_joint(dims);
        let regions = srcs.len().max(1) as u64;
        let cap = (self.staging.capacity / regions) as usize;
        if cap == 0 {
            return Err(self.capacity_error(&node.name, regions));
        }
        let sizes: Vec<usize> = dims.iter().map(|j| j.size).collect();
        for chunk in boxes(&sizes, cap) {
            let n: usize = chunk.iter().map(|c| c.1).product();
            let at = |p: usize, base: u64| {
                base + chunk
                    .iter()
                    .zip(&dims)
                    .map(|(c, j)| c.0 as u64 * j.strides[p])
                    .sum::<u64>()
            };
            let lens: Vec<usize> = chunk.iter().map(|c| c.1).collect();
            let packed = packed_strides(&lens);
            self.reset_staging();
            let mut addrs = Vec::new();
            for (p, v) in srcs.iter().enumerate() {
                let a = self.alloc_staging(n as u64, &node.name)?;
                let strides: Vec<u64> = dims.iter().map(|j| j.strides[p]).collect();
                self.blocks(Way::Load, at(p, v.base), &strides, a, &packed, &lens)?;
                addrs.push(a);
            }
            let a = addrs.first().copied().unwrap_or(0);
            if let (Some(op), Some(&b)) = (op, addrs.get(1)) {
                self.vop(op, a, a, Some(b), n, 1, 0)?;
            }
            let strides: Vec<u64> = dims.iter().map(|j| j.strides[srcs.len()]).collect();
            self.blocks(
                Way::Store,
                a,
                &packed,
                at(srcs.len(), dst.base),
                &strides,
                &lens,
            )?;
        }
        Ok(())
    }

    /// The `load`s or `store`s moving the elements of `sizes` between DRAM (`dram`, strides
    /// `dstrides` for loads' sources / stores' destinations) and the staging buffer.
    pub(super) fn blocks(
        &mut self,
        way: Way,
        src: u64,
        sstrides: &[u64],
        dst: u64,
        dstrides: &[u64],
        sizes: &[usize],
    ) -> R<()> {
        let mut dims: Vec<(usize, u64, u64)> = sizes
            .iter()
            .zip(sstrides.iter().zip(dstrides))
            .filter(|(&n, _)| n > 1)
            .map(|(&n, (&s, &d))| (n, s, d))
            .collect();
        dims = merge_pairs(dims);
        // `len`: the innermost dimension when contiguous on both sides.
        let len = match dims.last() {
            Some(&(n, 1, 1)) => {
                dims.pop();
                n
            }
            _ => 1,
        };
        // `count`: the largest remaining dimension.
        let count_dim = (0..dims.len()).max_by_key(|&i| dims[i].0);
        let (count, cs, cd) = match count_dim {
            Some(i) => dims.remove(i),
            None => (1, len as u64, len as u64),
        };
        let blocks: usize = dims.iter().map(|d| d.0).product();
        if blocks > MAX_BLOCKS {
            return Err(format!("a data move of {blocks} blocks is too fragmented"));
        }
        let stride = |v: u64, what: &str| u24(v as usize, what);
        for k in 0..blocks {
            let (mut s, mut d, mut rest) = (src, dst, k);
            for &(n, ss, ds) in dims.iter().rev() {
                s += (rest % n) as u64 * ss;
                d += (rest % n) as u64 * ds;
                rest /= n;
            }
            let (len, count) = (u24(len, "move length")?, u24(count, "move count")?);
            let (sstride, dstride) = (stride(cs, "move stride")?, stride(cd, "move stride")?);
            let instruction = match way {
                Way::Load => Instruction::Load {
                    src: dram(s)?,
                    dst: self.buf(d),
                    len,
                    count,
                    sstride,
                    dstride,
                },
                Way::Store => Instruction::Store {
                    src: self.buf(s),
                    dst: dram(d)?,
                    len,
                    count,
                    sstride,
                    dstride,
                },
            };
            self.program.code.push(instruction);
        }
        Ok(())
    }
}

/// Row-major strides of a dense block of `sizes`.
pub(super) fn packed_strides(sizes: &[usize]) -> Vec<u64> {
    let mut stride = 1u64;
    let mut out: Vec<u64> = sizes
        .iter()
        .rev()
        .map(|&n| {
            let s = stride;
            stride *= n as u64;
            s
        })
        .collect();
    out.reverse();
    out
}

/// Adjacent joint dimensions merged where every participant steps over the inner one.
fn merge_joint(dims: Vec<Joint>) -> Vec<Joint> {
    let mut out: Vec<Joint> = Vec::new();
    for j in dims {
        match out.last_mut() {
            Some(last)
                if last
                    .strides
                    .iter()
                    .zip(&j.strides)
                    .all(|(&o, &i)| o == i * j.size as u64) =>
            {
                last.size *= j.size;
                last.strides = j.strides;
            }
            _ => out.push(j),
        }
    }
    out
}

/// [`merge_joint`] for (size, source stride, destination stride) triples.
fn merge_pairs(dims: Vec<(usize, u64, u64)>) -> Vec<(usize, u64, u64)> {
    let mut out: Vec<(usize, u64, u64)> = Vec::new();
    for (n, s, d) in dims {
        match out.last_mut() {
            Some(last) if last.1 == s * n as u64 && last.2 == d * n as u64 => {
                *last = (last.0 * n, s, d);
            }
            _ => out.push((n, s, d)),
        }
    }
    out
}
