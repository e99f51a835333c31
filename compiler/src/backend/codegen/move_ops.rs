//! Layers compiled as data moves ([`super::moves`]): `pim.transpose`, `pim.pad`, `pim.concat`
//! on any axis or with constant operands, binary ops that broadcast (an activation, or a
//! constant that is not a scalar or per channel), and reshapes that reorder an HWC image.

use super::moves::View;
use super::{unsupported, Gen, Layout, Stored, R};
use pim_dialects::{Node, PimOp, ValueId};

impl Gen<'_> {
    /// The axis `axis` (negative from the end) of a rank-`rank` tensor, refusing the batch axis
    /// of a batched IR.
    pub(super) fn move_axis(&self, node: &Node<PimOp>, axis: i64, rank: usize) -> R<usize> {
        let a = if axis < 0 { axis + rank as i64 } else { axis };
        let a = usize::try_from(a)
            .ok()
            .filter(|&a| a < rank)
            .ok_or_else(|| format!("axis {axis} of a rank-{rank} tensor"))?;
        if a == 0 && self.images.ir > 1 {
            return Err(unsupported(node, "a data move along the batch dimension"));
        }
        Ok(a)
    }

    /// `pim.transpose`: the operand's view with permuted axes, copied into the result.
    pub(super) fn transpose(&mut self, node: &Node<PimOp>, perm: &[i64], image: usize) -> R<()> {
        let perm: Vec<usize> = perm
            .iter()
            .map(|&p| usize::try_from(p).map_err(|_| format!("bad permutation {perm:?}")))
            .collect::<R<_>>()?;
        if self.images.ir > 1 && perm.first() != Some(&0) {
            return Err(unsupported(
                node,
                "a transpose that moves the batch dimension",
            ));
        }
        let src = self.view(node.operands[0], image)?.permute(&perm)?;
        let dst = self.view(node.result, image)?;
        self.copy_view(node, &src, &dst)
    }

    /// `pim.pad` (constant padding; negative pads crop): the result filled with the value, then
    /// the operand copied into its interior.
    pub(super) fn pad(
        &mut self,
        node: &Node<PimOp>,
        pads: &[i64],
        value: f32,
        image: usize,
    ) -> R<()> {
        let input = node.operands[0];
        let rank = self.func.shape(input).len();
        if pads.len() != 2 * rank {
            return Err(format!("{} pads for a rank-{rank} tensor", pads.len()));
        }
        let dst = self.view(node.result, image)?;
        let fill = self.scalar_view(format!("{}.value", node.name), value, &dst.shape())?;
        self.copy_view(node, &fill, &dst)?;
        let (mut src, mut inner) = (self.view(input, image)?, dst);
        for a in 0..rank {
            let (begin, end) = (pads[a], pads[rank + a]);
            if begin == 0 && end == 0 {
                continue;
            }
            self.move_axis(node, a as i64, rank)?;
            let n = src.size(a) as i64;
            let (crop0, crop1) = ((-begin).max(0), (-end).max(0));
            let kept = n - crop0 - crop1;
            if kept <= 0 {
                return Ok(());
            }
            src = src.restrict(a, crop0 as usize, kept as usize)?;
            inner = inner.restrict(a, begin.max(0) as usize, kept as usize)?;
        }
        self.copy_view(node, &src, &inner)
    }

    /// `pim.concat` on any axis, of activations or constants: each operand copied into its
    /// slice of the result.
    pub(super) fn concat_moves(&mut self, node: &Node<PimOp>, axis: i64, image: usize) -> R<()> {
        let rank = self.func.shape(node.result).len();
        let a = self.move_axis(node, axis, rank)?;
        let dst = self.view(node.result, image)?;
        let mut start = 0;
        for &v in &node.operands {
            let src = self.operand_view(v, image, rank)?;
            let n = src.size(a);
            let slice = dst.restrict(a, start, n)?;
            self.copy_view(node, &src, &slice)?;
            start += n;
        }
        Ok(())
    }

    /// A binary op whose operands are broadcast to the result (activations or constants of any
    /// shape): both gathered in the result's order, one `vop`, the result scattered.
    pub(super) fn binary_moves(&mut self, node: &Node<PimOp>, kind: &str, image: usize) -> R<()> {
        let op = super::vector::binary_vop(node, kind)?;
        let dst = self.view(node.result, image)?;
        let shape = dst.shape();
        let mut srcs = Vec::new();
        for &v in &node.operands {
            srcs.push(
                self.operand_view(v, image, shape.len())?
                    .broadcast(&shape)?,
            );
        }
        let refs: Vec<_> = srcs.iter().collect();
        self.combine(node, &refs, &dst, Some(op))
    }

    /// Writes a reshape's result (an own row-major copy) from its operand's view.
    pub(super) fn reshape_copy(&mut self, node: &Node<PimOp>, image: usize) -> R<()> {
        let src = self.view(node.operands[0], image)?;
        let dst = self.view(node.result, image)?;
        let shape = src.shape();
        let dst = View::regroup(dst.base, &dst.flat(), &shape)
            .ok_or_else(|| unsupported(node, "a reshape not expressible as a strided move"))?;
        self.copy_view(node, &src, &dst)
    }

    /// Materialises the reshapes among `node`'s operands that need their own copy, once per
    /// image (and copy of an unrolled step loop's body, whose copies work on other images).
    pub(super) fn materialize_operands(&mut self, node: &Node<PimOp>, image: usize) -> R<()> {
        for &v in &node.operands {
            let Some(n) = self.pending_reshape(v, image) else {
                // A view of a reshape that has its own copy needs that copy.
                let func = self.func;
                let view = self.producers[v].map(|n| &func.nodes[n]);
                if let Some(reshape) = view.filter(|n| matches!(n.op, PimOp::Reshape { .. })) {
                    self.materialize_operands(reshape, image)?;
                }
                continue;
            };
            let reshape = &self.func.nodes[n];
            self.materialize_operands(reshape, image)?;
            self.reshape_copy(reshape, image)?;
            self.materialized.push((v, image, self.body_copy));
        }
        Ok(())
    }

    /// The reshape node producing `v` when it needs a copy not yet made for `image`.
    fn pending_reshape(&self, v: ValueId, image: usize) -> Option<usize> {
        let n = self.producers[v]?;
        let made = self.materialized.contains(&(v, image, self.body_copy));
        (self.copied_reshapes.contains(&n) && !made).then_some(n)
    }
}

impl Gen<'_> {
    /// Plans a reshape whose result cannot alias its operand's DRAM (it reorders an HWC image):
    /// seen through as a strided view when only transposes read it, else given its own
    /// row-major copy, written before its first reader runs.
    pub(super) fn plan_reshape_copy(&mut self, n: usize, per_image: u64) -> R<()> {
        let node = &self.func.nodes[n];
        let only_transposes =
            self.func.nodes.iter().all(|m| {
                !m.operands.contains(&node.result) || matches!(m.op, PimOp::Transpose { .. })
            });
        let is_output = self.func.outputs.iter().any(|p| p.value == node.result);
        if only_transposes && !is_output && self.view(node.result, 0).is_ok() {
            return Ok(());
        }
        let (addr, stride) = self.alloc_scratch(node.result, per_image)?;
        self.stored[node.result] = Some(Stored {
            addr,
            per_image,
            stride,
            layout: Layout::RowMajor,
        });
        self.forms[node.result] = Some(Layout::RowMajor);
        self.copied_reshapes.push(n);
        Ok(())
    }
}

impl Gen<'_> {
    /// Whether a concat is on the channels of images (or features of vectors) of activations
    /// only: then the in-place path stores each operand into its channel slice.
    pub(super) fn concat_on_channels(&self, node: &Node<PimOp>, axis: i64) -> R<bool> {
        let shape = self.func.shape(node.result);
        let rank = shape.len() as i64;
        let unit = self.unit_shape(node.result).len();
        let batched = unit + 1 == shape.len();
        let (pixels, _) = self.geometry(node.result)?;
        let mut plain = (axis == 1 || axis == 1 - rank) && batched && (unit == 1 || unit == 3);
        for &v in &node.operands {
            plain = plain
                && self.constant(v).is_none()
                && self.stored[v].is_some()
                && self.geometry(v)?.0 == pixels
                && !(unit == 1 && self.form(v)?.mixes());
        }
        Ok(plain)
    }

    /// Whether a binary op runs in place on its activation: two activations of the result's
    /// shape and order, or one and a scalar or per-channel constant (not `k / x`).
    pub(super) fn binary_in_place(&self, node: &Node<PimOp>, kind: &str) -> R<bool> {
        let (x, y) = (node.operands[0], node.operands[1]);
        let out = self.func.shape(node.result);
        let same = |v: ValueId| self.func.shape(v) == out && self.stored[v].is_some();
        let channels = self.geometry(node.result)?.1;
        // Constants become `bias` / `scale` parameters: add, sub, mul, div only.
        let affine = matches!(kind, "add" | "sub" | "mul" | "div");
        if !self.pixel_fits(channels, 2) {
            return Ok(false);
        }
        Ok(match (self.constant(x), self.constant(y)) {
            (None, None) => same(x) && same(y) && self.form(x)?.same_order(self.form(y)?),
            (None, Some(k)) => {
                affine && same(x) && self.per_channel_constant(node, k, x, channels).is_ok()
            }
            (Some(k), None) => {
                affine
                    && kind != "div"
                    && same(y)
                    && self.per_channel_constant(node, k, y, channels).is_ok()
            }
            (Some(_), Some(_)) => false,
        })
    }
}
