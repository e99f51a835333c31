//! Matrix products: ONNX `Gemm` and numpy-style `MatMul`, and the dense multiply-accumulate loop
//! they share with convolution (im2col).

use super::broadcast::{broadcast_strides, expand, for_each_index};
use super::layout::transpose;
use super::shape::{gemm_output_shape, matmul_output_shape};
use super::{output, KernelError};
use crate::Tensor;

/// Rows of `c` the micro-kernel accumulates in registers.
const MR: usize = 4;
/// Columns of `c` the micro-kernel accumulates in registers.
const NR: usize = 8;

/// Columns of `b` packed together (a multiple of `NR`): large enough that packing reads whole
/// cache lines and pages, small enough that the packed block stays in cache.
const COLUMN_BLOCK: usize = 32 * NR;

/// `c += a * b` for row-major `a` (`m x k`) and `b` (`k x n`), where row `i` of `c` starts at
/// `c[i * ldc]`. Blocks of `b` columns are packed into contiguous `k x NR` panels and multiplied by
/// `MR x NR` register tiles; the last `n % NR` columns go through a plain i-k-j loop.
pub(crate) fn gemm_acc(
    m: usize,
    n: usize,
    k: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ldc: usize,
) {
    let (a, b) = (&a[..m * k], &b[..k * n]);
    let full = n - n % NR;
    let mut packed = vec![0.0; k * COLUMN_BLOCK.min(full)];
    for j0 in (0..full).step_by(COLUMN_BLOCK) {
        let width = COLUMN_BLOCK.min(full - j0);
        for kk in 0..k {
            let row = &b[kk * n + j0..kk * n + j0 + width];
            for (p, src) in row.chunks_exact(NR).enumerate() {
                packed[(p * k + kk) * NR..][..NR].copy_from_slice(src);
            }
        }
        for (p, panel) in packed[..k * width].chunks_exact(k * NR).enumerate() {
            let j = j0 + p * NR;
            let tiled = m - m % MR;
            for i in (0..tiled).step_by(MR) {
                tile::<MR>(
                    k,
                    &a[i * k..(i + MR) * k],
                    panel,
                    &mut c[i * ldc + j..],
                    ldc,
                );
            }
            for i in tiled..m {
                tile::<1>(k, &a[i * k..(i + 1) * k], panel, &mut c[i * ldc + j..], ldc);
            }
        }
    }
    for i in 0..m {
        let c_rest = &mut c[i * ldc + full..i * ldc + n];
        for (kk, &a_ik) in a[i * k..(i + 1) * k].iter().enumerate() {
            let b_rest = &b[kk * n + full..(kk + 1) * n];
            c_rest
                .iter_mut()
                .zip(b_rest)
                .for_each(|(c_ij, &b_kj)| *c_ij += a_ik * b_kj);
        }
    }
}

/// Adds the product of `R` rows of `a` (each `k` long, consecutive) and a packed `k x NR` panel to
/// the `R x NR` tile of `c` that starts at `c[0]` (row stride `ldc`).
fn tile<const R: usize>(k: usize, a: &[f32], panel: &[f32], c: &mut [f32], ldc: usize) {
    let rows: [&[f32]; R] = std::array::from_fn(|r| &a[r * k..(r + 1) * k]);
    let mut acc = [[0.0f32; NR]; R];
    for (kk, b) in panel.chunks_exact(NR).enumerate() {
        for (acc_row, row) in acc.iter_mut().zip(&rows) {
            let a_ik = row[kk];
            acc_row
                .iter_mut()
                .zip(b)
                .for_each(|(s, &b_kj)| *s += a_ik * b_kj);
        }
    }
    for (r, acc_row) in acc.iter().enumerate() {
        let c_row = &mut c[r * ldc..r * ldc + NR];
        c_row
            .iter_mut()
            .zip(acc_row)
            .for_each(|(c_ij, &s)| *c_ij += s);
    }
}

/// ONNX `Gemm`: `alpha * A' * B' + beta * C`, where `A'` is `A` or its transpose (`trans_a`), same
/// for `B'`, and `C` broadcasts unidirectionally to `[M, N]`. As in onnxruntime, `C` is not read
/// when `beta` is 0.
pub fn gemm(
    a: &Tensor,
    b: &Tensor,
    c: Option<&Tensor>,
    alpha: f32,
    beta: f32,
    trans_a: bool,
    trans_b: bool,
) -> Result<Tensor, KernelError> {
    let shape = gemm_output_shape(a.shape(), b.shape(), c.map(Tensor::shape), trans_a, trans_b)?;
    let a = if trans_a {
        transpose(a, &[1, 0])?
    } else {
        a.clone()
    };
    let b = if trans_b {
        transpose(b, &[1, 0])?
    } else {
        b.clone()
    };
    let (m, n, k) = (shape[0], shape[1], a.shape()[1]);
    let mut y = vec![0.0; m * n];
    gemm_acc(m, n, k, a.data(), b.data(), &mut y, n);
    match c {
        Some(c) if beta != 0.0 => {
            let c = expand("Gemm", "C", c, &shape)?;
            y.iter_mut()
                .zip(c.data())
                .for_each(|(y, &c)| *y = alpha * *y + beta * c);
        }
        _ => y.iter_mut().for_each(|y| *y *= alpha),
    }
    output("Gemm", shape, y)
}

/// numpy `matmul` (ONNX `MatMul`): a 1-D `a` is a row vector and a 1-D `b` a column vector (the
/// unit dimension is dropped from the result); leading batch dimensions broadcast.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor, KernelError> {
    let shape = matmul_output_shape(a.shape(), b.shape())?;
    let (m, k) = match a.shape() {
        [.., m, k] => (*m, *k),
        _ => (1, a.len()),
    };
    let n = match b.shape() {
        [.., n] if b.shape().len() >= 2 => *n,
        _ => 1,
    };
    let batch_a = &a.shape()[..a.shape().len().saturating_sub(2)];
    let batch_b = &b.shape()[..b.shape().len().saturating_sub(2)];
    let batch = &shape
        [..shape.len() - usize::from(a.shape().len() >= 2) - usize::from(b.shape().len() >= 2)];
    let (stride_a, stride_b) = (
        broadcast_strides(batch_a, batch),
        broadcast_strides(batch_b, batch),
    );
    let mut y = vec![0.0; batch.iter().product::<usize>() * m * n];
    let mut out_chunks = y.chunks_exact_mut((m * n).max(1));
    for_each_index(batch, [&stride_a, &stride_b], |[ia, ib]| {
        if let Some(out) = out_chunks.next() {
            let (a, b) = (&a.data()[ia * m * k..], &b.data()[ib * k * n..]);
            gemm_acc(m, n, k, a, b, out, n);
        }
    });
    output("MatMul", shape, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, iota, t};

    #[test]
    fn gemm_acc_tiles_blocks_and_remainders_match_naive() {
        // m = 6 (one 4-row tile + 2 rows); n = 300 (one full column block, a partial one, and
        // 4 remainder columns); k = 5; c has 2 extra columns per row (ldc = 302) left untouched.
        let (m, n, k, ldc) = (6, 300, 5, 302);
        let a: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 - 3.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i % 5) as f32 - 2.0).collect();
        let mut c = vec![1.0; m * ldc];
        gemm_acc(m, n, k, &a, &b, &mut c, ldc);
        for i in 0..m {
            for j in 0..ldc {
                let dot: f32 = (0..k)
                    .map(|kk| {
                        if j < n {
                            a[i * k + kk] * b[kk * n + j]
                        } else {
                            0.0
                        }
                    })
                    .sum();
                assert_eq!(c[i * ldc + j], 1.0 + dot, "c[{i}][{j}]");
            }
        }
    }

    #[test]
    fn gemm_plain() -> Result<(), KernelError> {
        // [[1,2,3],[4,5,6]] x [[1,2],[3,4],[5,6]] = [[22,28],[49,64]]
        let y = gemm(
            &iota(&[2, 3], 1.0),
            &iota(&[3, 2], 1.0),
            None,
            1.0,
            1.0,
            false,
            false,
        )?;
        assert_close(&y, &[2, 2], &[22., 28., 49., 64.]);
        Ok(())
    }

    #[test]
    fn gemm_transposes_alpha_beta_and_row_broadcast_c() -> Result<(), KernelError> {
        // A' = [[1,2,3],[4,5,6]] given as its transpose; B' = [[1,2],[3,4],[5,6]] given as its transpose.
        let a = t(&[3, 2], &[1., 4., 2., 5., 3., 6.]);
        let b = t(&[2, 3], &[1., 3., 5., 2., 4., 6.]);
        let c = t(&[2], &[10., 20.]);
        let y = gemm(&a, &b, Some(&c), 0.5, 2.0, true, true)?;
        assert_close(&y, &[2, 2], &[31., 54., 44.5, 72.]);
        Ok(())
    }

    #[test]
    fn gemm_column_and_scalar_c() -> Result<(), KernelError> {
        let (a, b) = (iota(&[2, 3], 1.0), iota(&[3, 2], 1.0));
        let y = gemm(
            &a,
            &b,
            Some(&t(&[2, 1], &[1., -1.])),
            1.0,
            3.0,
            false,
            false,
        )?;
        assert_close(&y, &[2, 2], &[25., 31., 46., 61.]);
        let y = gemm(&a, &b, Some(&Tensor::scalar(2.0)), 2.0, 1.0, false, false)?;
        assert_close(&y, &[2, 2], &[46., 58., 100., 130.]);
        Ok(())
    }

    #[test]
    fn gemm_beta_zero_ignores_c() -> Result<(), KernelError> {
        let c = Tensor::scalar(f32::NAN);
        let y = gemm(
            &iota(&[1, 2], 1.0),
            &iota(&[2, 1], 1.0),
            Some(&c),
            1.0,
            0.0,
            false,
            false,
        )?;
        assert_close(&y, &[1, 1], &[5.]);
        Ok(())
    }

    #[test]
    fn gemm_errors() {
        let (a, b) = (iota(&[2, 3], 1.0), iota(&[3, 2], 1.0));
        assert!(matches!(
            gemm(&a, &b, None, 1.0, 1.0, true, false),
            Err(KernelError::Mismatch { .. })
        ));
        let c = iota(&[3], 0.0);
        let err = gemm(&a, &b, Some(&c), 1.0, 1.0, false, false);
        assert!(
            matches!(
                err,
                Err(KernelError::NotUnidirectional { operand: "C", .. })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn matmul_vectors() -> Result<(), KernelError> {
        let m = iota(&[2, 3], 1.0);
        let v = t(&[3], &[1., 0., -1.]);
        assert_close(&matmul(&m, &v)?, &[2], &[-2., -2.]);
        assert_close(&matmul(&t(&[2], &[1., 1.]), &m)?, &[3], &[5., 7., 9.]);
        assert_close(&matmul(&v, &v)?, &[], &[2.]);
        Ok(())
    }

    #[test]
    fn matmul_batched_with_broadcasting() -> Result<(), KernelError> {
        // a: [2, 1, 1, 2] (two row vectors), b: [3, 2, 1] (three column vectors) -> [2, 3, 1, 1].
        let a = t(&[2, 1, 1, 2], &[1., 2., 3., 4.]);
        let b = t(&[3, 2, 1], &[1., 0., 0., 1., 1., 1.]);
        let y = matmul(&a, &b)?;
        assert_close(&y, &[2, 3, 1, 1], &[1., 2., 3., 3., 4., 7.]);
        Ok(())
    }

    #[test]
    fn matmul_batched_matrix_times_shared_matrix() -> Result<(), KernelError> {
        // a: [2, 2, 2] batch of matrices, b: [2, 2] shared.
        let a = t(&[2, 2, 2], &[1., 2., 3., 4., 0., 1., 1., 0.]);
        let b = t(&[2, 2], &[1., 1., 0., 2.]);
        assert_close(
            &matmul(&a, &b)?,
            &[2, 2, 2],
            &[1., 5., 3., 11., 0., 2., 1., 1.],
        );
        // 1-D a against batched b: [2] x [2, 2, 2] -> [2, 2].
        let y = matmul(&t(&[2], &[1., -1.]), &a)?;
        assert_close(&y, &[2, 2], &[-2., -2., -1., 1.]);
        Ok(())
    }

    #[test]
    fn matmul_empty_inner_dimension_gives_zeros() -> Result<(), KernelError> {
        let y = matmul(&Tensor::zeros(vec![2, 0]), &Tensor::zeros(vec![0, 3]))?;
        assert_close(&y, &[2, 3], &[0.; 6]);
        Ok(())
    }

    #[test]
    fn matmul_errors() {
        let err = matmul(&iota(&[2, 3], 0.0), &iota(&[2, 3], 0.0));
        assert!(
            matches!(err, Err(KernelError::Mismatch { op: "MatMul", .. })),
            "{err:?}"
        );
        let err = matmul(&Tensor::scalar(1.0), &iota(&[2], 0.0));
        assert!(
            matches!(err, Err(KernelError::Rank { operand: "A", .. })),
            "{err:?}"
        );
    }
}
