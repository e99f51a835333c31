//! Vector-unit layers that work on groups of elements gathered through views ([`super::moves`]):
//! the elementwise functions of `crate::functions` (a `vop` sequence per chunk), `pim.reduce`
//! (the reduced axes gathered innermost and reduced by a pooling window of one row),
//! `pim.norm`, `pim.softmax` over any axis (the axis gathered innermost), `pim.matmul` (the
//! vector unit's `matmul`), and the moves `pim.slice` and `pim.expand`.
//!
//! A grouped layer gathers its operand with the group axes last into the staging buffer, a
//! chunk of groups at a time, runs its `vop`s on the packed chunk and scatters the results
//! into the result's view; the source and result may have any layout (HWC images, row-major,
//! regrouped reshapes).

use super::moves::{boxes, joint, packed_strides, View, Way};
use super::vector::plain_window;
use super::{unsupported, Gen, R};
use crate::functions::{self, Reg};
use pim_dialects::{Node, PimOp};
use pim_runtime::container::ConstValue;
use pim_runtime::isa::VOp;
use pim_runtime::kernels::ReduceOp;

/// The code a grouped layer runs on one staged chunk: `rows` groups of `len` elements at `a`,
/// a region `out` of `rows x` the output group's elements (or `a` itself when the layer has
/// none); returns where its results are (`a` or `out`).
type Body<'b> = &'b dyn Fn(&mut Gen<'_>, u64, u64, usize, usize) -> R<u64>;

impl Gen<'_> {
    /// `pim.act`: the function's `vop` sequence on chunks of the activation (and a scratch
    /// region when the sequence needs one).
    pub(super) fn function(
        &mut self,
        node: &Node<PimOp>,
        kind: &str,
        alpha: f32,
        beta: f32,
        image: usize,
    ) -> R<()> {
        let steps = functions::steps(kind, alpha, beta)
            .ok_or_else(|| unsupported(node, &format!("pim.act kind `{kind}`")))?;
        let mut params = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            params.push(match s.param.as_slice() {
                [] => 0,
                values => self.add_constant(
                    format!("{}.{}{i}", node.name, s.op),
                    ConstValue::Floats(values.to_vec()),
                )?,
            });
        }
        let src = self.view(node.operands[0], image)?;
        let dst = self.view(node.result, image)?;
        let scratch = functions::needs_scratch(&steps);
        let body = move |gen: &mut Gen<'_>, a: u64, b: u64, rows: usize, len: usize| -> R<u64> {
            let at = |r: Reg| if r == Reg::A { a } else { b };
            for (s, &param) in steps.iter().zip(&params) {
                let second = s.op.is_binary().then_some(b);
                gen.vop(s.op, at(s.dst), at(s.src), second, rows * len, 1, param)?;
            }
            Ok(a)
        };
        // One group per element: the sequence is elementwise, chunks of any length.
        let flat_src = src.with_trailing_unit();
        let flat_dst = dst.with_trailing_unit();
        self.grouped(node, &flat_src, &flat_dst, 1, scratch, &body)
    }

    /// `pim.softmax` along `axis` (any axis): the axis gathered innermost, one `vop` per chunk.
    pub(super) fn softmax_any_axis(
        &mut self,
        node: &Node<PimOp>,
        axis: i64,
        log: bool,
        image: usize,
    ) -> R<()> {
        let rank = self.func.shape(node.result).len();
        let a = self.move_axis(node, axis, rank)?;
        let perm: Vec<usize> = (0..rank).filter(|&i| i != a).chain([a]).collect();
        let src = self.view(node.operands[0], image)?.permute(&perm)?;
        let dst = self.view(node.result, image)?.permute(&perm)?;
        let op = if log { VOp::LogSoftmax } else { VOp::Softmax };
        let body = |gen: &mut Gen<'_>, a: u64, _: u64, rows: usize, len: usize| {
            gen.vop(op, a, a, None, len, rows, 0).map(|()| a)
        };
        self.grouped(node, &src, &dst, 1, false, &body)
    }

    /// `pim.norm` over its (trailing) axes: one `vop norm` per chunk of groups.
    pub(super) fn norm(
        &mut self,
        node: &Node<PimOp>,
        axes: &[i64],
        epsilon: f32,
        image: usize,
    ) -> R<()> {
        let rank = self.func.shape(node.result).len();
        for &axis in axes {
            self.move_axis(node, axis, rank)?;
        }
        let param = self.add_constant(
            format!("{}.epsilon", node.name),
            ConstValue::Floats(vec![epsilon]),
        )?;
        let src = self.view(node.operands[0], image)?;
        let dst = self.view(node.result, image)?;
        let body = |gen: &mut Gen<'_>, a: u64, _: u64, rows: usize, len: usize| {
            gen.vop(VOp::Norm, a, a, None, len, rows, param).map(|()| a)
        };
        self.grouped(node, &src, &dst, axes.len(), false, &body)
    }

    /// `pim.reduce`: the reduced axes gathered innermost; each group reduced by a pooling
    /// window of one row over the chunk (`rows x len` as an image of height `rows`, width
    /// `len`, one channel), with the scalings the kind needs around it.
    pub(super) fn reduce(
        &mut self,
        node: &Node<PimOp>,
        kind: &str,
        axes: &[i64],
        image: usize,
    ) -> R<()> {
        let op = ReduceOp::from_name(kind)
            .ok_or_else(|| unsupported(node, &format!("pim.reduce kind `{kind}`")))?;
        let in_shape = self.func.shape(node.operands[0]).to_vec();
        let rank = in_shape.len();
        let mut reduced = Vec::new();
        for &axis in axes {
            reduced.push(self.move_axis(node, axis, rank)?);
        }
        let perm: Vec<usize> = (0..rank)
            .filter(|i| !reduced.contains(i))
            .chain(reduced.iter().copied())
            .collect();
        let kept: Vec<usize> = in_shape
            .iter()
            .enumerate()
            .map(|(i, &d)| if reduced.contains(&i) { 1 } else { d })
            .collect();
        let src = self.view(node.operands[0], image)?.permute(&perm)?;
        let result = self.view(node.result, image)?;
        let kept_view = View::regroup(result.base, &result.flat(), &self.unit_of(&kept))
            .ok_or_else(|| unsupported(node, "a reduction result not expressible as a view"))?;
        let dst = kept_view.permute(&perm)?;
        let body = move |gen: &mut Gen<'_>, a: u64, out: u64, rows: usize, len: usize| {
            gen.reduce_rows(node, op, a, out, rows, len).map(|()| out)
        };
        self.grouped(node, &src, &dst, reduced.len(), true, &body)
    }

    /// Reduces each of `rows` groups of `len` elements at `a` into one element at `out`.
    fn reduce_rows(
        &mut self,
        node: &Node<PimOp>,
        op: ReduceOp,
        a: u64,
        out: u64,
        rows: usize,
        len: usize,
    ) -> R<()> {
        let win = plain_window((rows as u32, len as u32), 1, (1, len as u32), (1, 1));
        let window = self.window_constant(format!("{}.win.r{rows}", node.name), win)?;
        let scalar = |gen: &mut Self, what: &str, v: f32| {
            gen.add_constant_once(format!("{}.{what}", node.name), ConstValue::Floats(vec![v]))
        };
        let n = rows * len;
        match op {
            ReduceOp::Min => {
                let minus = scalar(self, "negate", -1.0)?;
                self.vop(VOp::Scale, a, a, None, n, 1, minus)?;
            }
            ReduceOp::L2 | ReduceOp::SumSquare => self.vop(VOp::Mul, a, a, Some(a), n, 1, 0)?,
            _ => {}
        }
        let pool = if matches!(op, ReduceOp::Max | ReduceOp::Min) {
            VOp::MaxPool
        } else {
            VOp::AvgPool
        };
        self.vop(pool, out, a, None, n, 1, window)?;
        let after: &[(VOp, &str, f32)] = match op {
            ReduceOp::Min => &[(VOp::Scale, "negate", -1.0)],
            ReduceOp::Sum | ReduceOp::SumSquare => &[(VOp::Scale, "count", len as f32)],
            ReduceOp::L2 => &[(VOp::Scale, "count", len as f32), (VOp::Pow, "sqrt", 0.5)],
            ReduceOp::Mean | ReduceOp::Max => &[],
        };
        for &(vop, what, value) in after {
            let param = scalar(self, what, value)?;
            self.vop(vop, out, out, None, rows, 1, param)?;
        }
        Ok(())
    }

    /// `pim.slice`: the operand's strided view copied into the result.
    pub(super) fn slice(
        &mut self,
        node: &Node<PimOp>,
        starts: &[i64],
        sizes: &[i64],
        steps: &[i64],
        image: usize,
    ) -> R<()> {
        let rank = self.func.shape(node.result).len();
        let mut src = self.view(node.operands[0], image)?;
        let whole = self.func.shape(node.operands[0]).to_vec();
        for a in 0..rank {
            let (start, size, step) = (starts[a], sizes[a], steps[a]);
            if (start, step) == (0, 1) && size as usize == whole[a] {
                continue;
            }
            self.move_axis(node, a as i64, rank)?;
            let as_usize = |v: i64| usize::try_from(v).map_err(|_| format!("slice value {v}"));
            src = src
                .slice(a, as_usize(start)?, as_usize(size)?, as_usize(step)?)
                .map_err(|e| unsupported(node, &format!("a slice of this layout ({e})")))?;
        }
        let dst = self.view(node.result, image)?;
        self.copy_view(node, &src, &dst)
    }

    /// `pim.expand`: the operand broadcast (stride 0) into the result.
    pub(super) fn expand(&mut self, node: &Node<PimOp>, image: usize) -> R<()> {
        let dst = self.view(node.result, image)?;
        let rank = self.func.shape(node.result).len();
        let src = self
            .operand_view(node.operands[0], image, rank)?
            .broadcast(&dst.shape())?;
        self.copy_view(node, &src, &dst)
    }

    /// `pim.matmul`: for every matrix of the (broadcast) batch, the transpose of `B` gathered
    /// into the buffer (a block of its columns at a time when it does not fit), then chunks of
    /// rows of `A` multiplied by it with one `vop matmul` each and scattered into `C`.
    pub(super) fn matmul(&mut self, node: &Node<PimOp>, image: usize) -> R<()> {
        let c = self.view(node.result, image)?;
        let shape = c.shape();
        let rank = shape.len();
        if rank < 2 {
            return Err(unsupported(node, "a pim.matmul of vectors"));
        }
        let (m, n) = (shape[rank - 2], shape[rank - 1]);
        let a_view = self.operand_view(node.operands[0], image, rank)?;
        let k = a_view.size(a_view.shape().len() - 1);
        let batch = &shape[..rank - 2];
        let a = a_view.broadcast(&[batch, &[m, k]].concat())?;
        let b_view = self.operand_view(node.operands[1], image, rank)?;
        let b = b_view.broadcast(&[batch, &[k, n]].concat())?;
        let cap = self.staging.capacity as usize;
        // Columns of B per block: its transpose and one row of A and C must fit.
        let cols = (cap.saturating_sub(k) / (k + 1)).min(n);
        if cols == 0 {
            return Err(self.capacity_error(&node.name, (2 * k + 1) as u64));
        }
        let swap: Vec<usize> = (0..rank - 2).chain([rank - 1, rank - 2]).collect();
        for index in 0..batch.iter().product::<usize>() {
            let (mut ai, mut bi, mut ci) = (a.clone(), b.clone(), c.clone());
            let mut rest = index;
            for axis in (0..batch.len()).rev() {
                let i = rest % batch[axis];
                rest /= batch[axis];
                ai = ai.slice(axis, i, 1, 1)?;
                bi = bi.slice(axis, i, 1, 1)?;
                ci = ci.slice(axis, i, 1, 1)?;
            }
            let bt = bi.permute(&swap)?;
            for n0 in (0..n).step_by(cols) {
                let nb = cols.min(n - n0);
                self.matmul_block(
                    node,
                    &ai,
                    &bt.slice(rank - 2, n0, nb, 1)?,
                    &ci.slice(rank - 1, n0, nb, 1)?,
                    k,
                    nb,
                )?;
            }
        }
        Ok(())
    }

    /// `C = A x B^T` for one matrix of the batch and a block of `nb` columns of `C`.
    fn matmul_block(
        &mut self,
        node: &Node<PimOp>,
        a: &View,
        bt: &View,
        c: &View,
        k: usize,
        nb: usize,
    ) -> R<()> {
        let param = self.add_constant_once(
            format!("{}.n{nb}", node.name),
            ConstValue::Floats(vec![nb as f32]),
        )?;
        let cap = self.staging.capacity as usize;
        let rows = (cap - nb * k) / (k + nb);
        self.reset_staging();
        let staged_b = self.alloc_staging((nb * k) as u64, &node.name)?;
        self.gather(bt, staged_b)?;
        let base = self.staging.used;
        let body = |gen: &mut Gen<'_>, a: u64, out: u64, r: usize, len: usize| {
            gen.vop(VOp::Matmul, out, a, Some(staged_b), len, r, param)
                .map(|()| out)
        };
        self.chunked(node, a, c, 1, (rows, true), base, &body)
    }

    /// Gathers the whole of `view` (packed row-major) into the staging buffer at `dst`.
    fn gather(&mut self, view: &View, dst: u64) -> R<()> {
        let dims = joint(&[view])?;
        let sizes: Vec<usize> = dims.iter().map(|j| j.size).collect();
        let strides: Vec<u64> = dims.iter().map(|j| j.strides[0]).collect();
        self.blocks(
            Way::Load,
            view.base,
            &strides,
            dst,
            &packed_strides(&sizes),
            &sizes,
        )
    }

    /// `shape` with dimension 0 set to 1 when the IR is batched (one image's slice).
    fn unit_of(&self, shape: &[usize]) -> Vec<usize> {
        let mut shape = shape.to_vec();
        if self.images.ir > 1 {
            if let Some(d0) = shape.first_mut() {
                *d0 = 1;
            }
        }
        shape
    }

    /// A constants-table entry equal to `value`, added under `name` if there is none.
    pub(super) fn add_constant_once(&mut self, name: String, value: ConstValue) -> R<u32> {
        match self.program.constants.iter().position(|c| c.value == value) {
            Some(i) => Ok(i as u32),
            None => self.add_constant(name, value),
        }
    }

    /// Runs `body` over chunks of the groups of `src` (its last `g` axes a group): each chunk
    /// gathered packed, the results scattered into `dst` (the same outer axes; its last `g`
    /// axes the output group). `separate`: the results go to a region of their own.
    fn grouped(
        &mut self,
        node: &Node<PimOp>,
        src: &View,
        dst: &View,
        g: usize,
        separate: bool,
        body: Body<'_>,
    ) -> R<()> {
        let rank = src.shape().len();
        let len: usize = src.shape()[rank - g..].iter().product();
        let out: usize = dst.shape()[rank - g..].iter().product();
        let per_row = len + if separate { out } else { 0 };
        let rows = (self.staging.capacity as usize) / per_row.max(1);
        if rows == 0 {
            return Err(self.capacity_error(&node.name, per_row as u64));
        }
        self.reset_staging();
        self.chunked(node, src, dst, g, (rows, separate), 0, body)
    }

    /// The chunks of [`Self::grouped`], `rows` groups at a time (with a result region of their
    /// own when `separate`), staged from `base` on.
    #[allow(clippy::too_many_arguments)]
    fn chunked(
        &mut self,
        node: &Node<PimOp>,
        src: &View,
        dst: &View,
        g: usize,
        (rows, separate): (usize, bool),
        base: u64,
        body: Body<'_>,
    ) -> R<()> {
        let rank = src.shape().len();
        let (src_outer, src_inner) = src.split(rank - g);
        let (dst_outer, dst_inner) = dst.split(rank - g);
        let outer = joint(&[&src_outer, &dst_outer])?;
        let len: usize = src_inner.shape().iter().product();
        let out: usize = dst_inner.shape().iter().product();
        let inner_src = joint(&[&src_inner])?;
        let inner_dst = joint(&[&dst_inner])?;
        let sizes: Vec<usize> = outer.iter().map(|j| j.size).collect();
        for chunk in boxes(&sizes, rows) {
            let n: usize = chunk.iter().map(|c| c.1).product();
            let at = |p: usize, view_base: u64| {
                view_base
                    + chunk
                        .iter()
                        .zip(&outer)
                        .map(|(c, j)| c.0 as u64 * j.strides[p])
                        .sum::<u64>()
            };
            self.staging.used = base;
            let a = self.alloc_staging((n * len) as u64, &node.name)?;
            let o = if separate {
                self.alloc_staging((n * out) as u64, &node.name)?
            } else {
                a
            };
            let lens: Vec<usize> = chunk.iter().map(|c| c.1).collect();
            let move_dims = |inner: &[super::moves::Joint], p: usize| {
                let mut sizes = lens.clone();
                sizes.extend(inner.iter().map(|j| j.size));
                let mut strides: Vec<u64> = outer.iter().map(|j| j.strides[p]).collect();
                strides.extend(inner.iter().map(|j| j.strides[0]));
                (sizes, strides)
            };
            let (s_sizes, s_strides) = move_dims(&inner_src, 0);
            let s_packed = packed_strides(&s_sizes);
            self.blocks(
                Way::Load,
                at(0, src.base),
                &s_strides,
                a,
                &s_packed,
                &s_sizes,
            )?;
            let results = body(self, a, o, n, len)?;
            let (d_sizes, d_strides) = move_dims(&inner_dst, 1);
            let d_packed = packed_strides(&d_sizes);
            self.blocks(
                Way::Store,
                results,
                &d_packed,
                at(1, dst.base),
                &d_strides,
                &d_sizes,
            )?;
        }
        Ok(())
    }
}
