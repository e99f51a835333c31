//! Tensor arithmetic of the folding rules: per-channel factors, scaled weights and biases, and
//! numpy broadcasting of small constants. Every function returns `None` when its operands do not
//! have the shapes the fold needs (the rule then does not fire) or a result is not finite.

use pim_runtime::{kernels, Tensor};

/// The per-channel values of `k` when multiplying or adding `k` to a tensor of shape `out` acts per
/// index of axis `axis` only and does not change `out`: right-aligned, `k` has at most `out`'s
/// rank and every dimension 1 except possibly `out[axis]` at `axis` (`[C]`-like vectors at the
/// last axis, `[C, 1, 1]`, `[1, C, 1, 1]`, scalars). Returns `out[axis]` values.
pub(crate) fn channel_vector(k: &Tensor, out: &[usize], axis: usize) -> Option<Vec<f32>> {
    let channels = *out.get(axis)?;
    let rank = out.len();
    let k_rank = k.shape().len();
    if k_rank > rank {
        return None;
    }
    for (j, &dim) in k.shape().iter().enumerate() {
        let position = rank - k_rank + j;
        if dim != 1 && !(position == axis && dim == channels) {
            return None;
        }
    }
    match k.len() {
        1 => Some(vec![k.data()[0]; channels]),
        n if n == channels => Some(k.data().to_vec()),
        _ => None,
    }
}

/// Inference batch normalisation as a per-channel affine map `y = x * scale + shift`:
/// `scale = s / sqrt(v + eps)`, `shift = t - m * scale`. Each operand must be `[channels]`.
pub(crate) fn batch_norm_factors(
    s: &Tensor,
    t: &Tensor,
    m: &Tensor,
    v: &Tensor,
    epsilon: f32,
    channels: usize,
) -> Option<(Vec<f32>, Vec<f32>)> {
    if [s, t, m, v].iter().any(|x| x.shape() != [channels]) {
        return None;
    }
    let scale: Vec<f32> = s
        .data()
        .iter()
        .zip(v.data())
        .map(|(&s, &v)| s / (v + epsilon).sqrt())
        .collect();
    let shift: Vec<f32> = t
        .data()
        .iter()
        .zip(m.data())
        .zip(&scale)
        .map(|((&t, &m), &k)| t - m * k)
        .collect();
    finite(&scale).then_some(())?;
    finite(&shift).then_some((scale, shift))
}

/// Whether every value is finite.
pub(crate) fn finite(values: &[f32]) -> bool {
    values.iter().all(|v| v.is_finite())
}

/// `w` with its leading-axis slice `o` multiplied by `k[o]` (conv weights per output channel).
pub(crate) fn scale_rows(w: &Tensor, k: &[f32]) -> Option<Tensor> {
    let rows = *w.shape().first()?;
    if rows != k.len() || rows == 0 {
        return None;
    }
    let row_len = w.len() / rows;
    let mut data = Vec::with_capacity(w.len());
    for (row, &k) in w.data().chunks(row_len.max(1)).zip(k) {
        data.extend(row.iter().map(|&x| x * k));
    }
    finite(&data).then_some(())?;
    Tensor::new(w.shape().to_vec(), data)
}

/// The 2-D Gemm operand `b` with output column `j` scaled by `k[j]`: `b` is `[K, N]`, or `[N, K]`
/// when `transposed`.
pub(crate) fn scale_columns(b: &Tensor, k: &[f32], transposed: bool) -> Option<Tensor> {
    let [rows, cols] = *b.shape() else {
        return None;
    };
    if transposed {
        return scale_rows(b, k);
    }
    if cols != k.len() {
        return None;
    }
    let data: Vec<f32> = b
        .data()
        .iter()
        .enumerate()
        .map(|(i, &x)| x * k[i % cols])
        .collect();
    finite(&data).then_some(())?;
    Tensor::new(vec![rows, cols], data)
}

/// `t`'s values broadcast (numpy rule) to `shape`, row-major.
pub(crate) fn expand(t: &Tensor, shape: &[usize]) -> Option<Vec<f32>> {
    let rank = shape.len();
    let t_rank = t.shape().len();
    if t_rank > rank {
        return None;
    }
    // Strides of `t` aligned to `shape`, 0 where `t` broadcasts.
    let mut strides = vec![0usize; rank];
    let mut stride = 1usize;
    for j in (0..t_rank).rev() {
        let dim = t.shape()[j];
        let position = rank - t_rank + j;
        if dim != 1 && dim != shape[position] {
            return None;
        }
        if dim != 1 {
            strides[position] = stride;
        }
        stride *= dim;
    }
    let len: usize = shape.iter().product();
    let mut out = Vec::with_capacity(len);
    let mut index = vec![0usize; rank];
    for _ in 0..len {
        let offset: usize = index.iter().zip(&strides).map(|(i, s)| i * s).sum();
        out.push(*t.data().get(offset)?);
        for axis in (0..rank).rev() {
            index[axis] += 1;
            if index[axis] < shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    Some(out)
}

/// A new Gemm `C`: `c` broadcast with a `[n]` row vector (shape `broadcast(c, [n])`, which still
/// broadcasts to the Gemm's `[M, n]`), mapped elementwise by `f(c_value, column)`.
pub(crate) fn per_column(c: &Tensor, n: usize, f: impl Fn(f32, usize) -> f32) -> Option<Tensor> {
    let shape = kernels::broadcast_shapes(c.shape(), &[n]).ok()?;
    if shape.len() > 2 {
        return None;
    }
    let values = expand(c, &shape)?;
    let data: Vec<f32> = values
        .iter()
        .enumerate()
        .map(|(i, &x)| f(x, i % n.max(1)))
        .collect();
    finite(&data).then_some(())?;
    Tensor::new(shape, data)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn t(shape: &[usize], data: &[f32]) -> Tensor {
        Tensor::new(shape.to_vec(), data.to_vec()).unwrap()
    }

    #[test]
    fn channel_vectors_accept_only_per_channel_shapes() {
        let out = [1, 3, 2, 2];
        assert_eq!(
            channel_vector(&t(&[3, 1, 1], &[1., 2., 3.]), &out, 1),
            Some(vec![1., 2., 3.])
        );
        assert_eq!(
            channel_vector(&t(&[1, 3, 1, 1], &[1., 2., 3.]), &out, 1),
            Some(vec![1., 2., 3.])
        );
        assert_eq!(channel_vector(&t(&[], &[2.]), &out, 1), Some(vec![2.; 3]));
        assert_eq!(
            channel_vector(&t(&[1, 1, 1], &[2.]), &out, 1),
            Some(vec![2.; 3])
        );
        // [3] aligns with the last axis (W), not with channels.
        assert_eq!(
            channel_vector(&t(&[3], &[1., 2., 3.]), &[1, 3, 2, 3], 1),
            None
        );
        assert_eq!(channel_vector(&t(&[1, 1, 2, 2], &[1.; 4]), &out, 1), None);
        assert_eq!(
            channel_vector(&t(&[1, 3], &[1., 2., 3.]), &[4, 3], 1),
            Some(vec![1., 2., 3.])
        );
        assert_eq!(
            channel_vector(&t(&[3], &[1., 2., 3.]), &[4, 3], 1),
            Some(vec![1., 2., 3.])
        );
    }

    #[test]
    fn expand_broadcasts_like_numpy() {
        assert_eq!(
            expand(&t(&[2, 1], &[1., 2.]), &[2, 3]),
            Some(vec![1., 1., 1., 2., 2., 2.])
        );
        assert_eq!(
            expand(&t(&[3], &[1., 2., 3.]), &[2, 3]),
            Some(vec![1., 2., 3., 1., 2., 3.])
        );
        assert_eq!(expand(&t(&[2], &[1., 2.]), &[2, 3]), None);
    }

    #[test]
    fn scaling_and_per_column_maps() {
        let w = t(&[2, 2], &[1., 2., 3., 4.]);
        assert_eq!(
            scale_rows(&w, &[10., 100.]).unwrap().data(),
            &[10., 20., 300., 400.]
        );
        assert_eq!(
            scale_columns(&w, &[10., 100.], false).unwrap().data(),
            &[10., 200., 30., 400.]
        );
        assert_eq!(
            scale_columns(&w, &[10., 100.], true).unwrap().data(),
            &[10., 20., 300., 400.]
        );
        let c = per_column(&t(&[], &[1.]), 3, |x, j| x + j as f32).unwrap();
        assert_eq!((c.shape(), c.data()), (&[3usize][..], &[1., 2., 3.][..]));
        let c = per_column(&t(&[2, 1], &[1., 2.]), 2, |x, j| x * (j + 1) as f32).unwrap();
        assert_eq!(
            (c.shape(), c.data()),
            (&[2usize, 2][..], &[1., 2., 2., 4.][..])
        );
        let (k, shift) = batch_norm_factors(
            &t(&[1], &[2.]),
            &t(&[1], &[1.]),
            &t(&[1], &[3.]),
            &t(&[1], &[4.]),
            0.0,
            1,
        )
        .unwrap();
        assert_eq!((k, shift), (vec![1.0], vec![-2.0]));
    }
}
