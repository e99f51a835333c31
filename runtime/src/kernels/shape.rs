//! Pure shape functions: the output shape of each operation from its operand shapes and attributes,
//! with the same validation as the kernels. The compiler's shape inference calls these; the kernels
//! call them too, so a shape accepted here is a shape the kernel computes.

use super::broadcast::check_unidirectional;
use super::window::{pool_geometry, ConvGeometry};
use super::{normalize_axis, ConvParams, KernelError, Window};

/// The output shape `[N, C_out, out...]` of `Conv` on input `x` (`[N, C, W]` or `[N, C, H, W]`)
/// with weight `w` (`[C_out, C / group, kW]` or `[C_out, C / group, kH, kW]`).
pub fn conv_output_shape(
    x: &[usize],
    w: &[usize],
    params: &ConvParams,
) -> Result<Vec<usize>, KernelError> {
    let geometry = ConvGeometry::new(x, w, params)?;
    Ok(geometry.spatial.output_shape(geometry.out_channels))
}

/// The output shape `[N, C, out...]` of `MaxPool` / `AveragePool` on `x` (`[N, C, W]` or
/// `[N, C, H, W]`), by onnxruntime's (and ONNX shape inference's) integer rule
/// `trunc((in + pads - extent) / stride) + 1`, rounded up with `ceil_mode`. With `ceil_mode` a
/// partial last window counts only if it starts inside the input or the begin padding. A window
/// longer than the padded input by less than one stride still gives one (clipped) position, by
/// less than two strides none; longer is an error. Pads must be smaller than the kernel.
pub fn pool_output_shape(
    x: &[usize],
    window: &Window,
    ceil_mode: bool,
) -> Result<Vec<usize>, KernelError> {
    let spatial = pool_geometry("Pool", x, window, ceil_mode)?;
    Ok(spatial.output_shape(spatial.channels))
}

/// The numpy (multidirectional) broadcast of two shapes: aligned on the right, each pair of
/// dimensions must be equal or contain a 1.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>, KernelError> {
    broadcast_shapes_for("broadcast", a, b)
}

/// [`broadcast_shapes`] reporting errors as `op`.
pub(crate) fn broadcast_shapes_for(
    op: &'static str,
    a: &[usize],
    b: &[usize],
) -> Result<Vec<usize>, KernelError> {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| (i + s.len()).checked_sub(rank).map_or(1, |j| s[j]);
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y || y == 1 => Ok(x),
            (1, y) => Ok(y),
            _ => Err(KernelError::NotBroadcastable {
                op,
                lhs: a.to_vec(),
                rhs: b.to_vec(),
            }),
        })
        .collect()
}

/// The output shape of numpy `matmul`: a 1-D `a` is a row vector and a 1-D `b` a column vector
/// (their unit dimension is dropped from the result); leading batch dimensions broadcast.
pub fn matmul_output_shape(a: &[usize], b: &[usize]) -> Result<Vec<usize>, KernelError> {
    let op = "MatMul";
    let rank_error = |operand, shape: &[usize]| KernelError::Rank {
        op,
        operand,
        shape: shape.to_vec(),
        expected: "rank >= 1",
    };
    let (&k_a, a_rest) = a.split_last().ok_or_else(|| rank_error("A", a))?;
    let (a_batch, m) = a_rest
        .split_last()
        .map_or((&[][..], None), |(&m, batch)| (batch, Some(m)));
    let (b_batch, k_b, n) = match b {
        [] => return Err(rank_error("B", b)),
        [k] => (&[][..], *k, None),
        [batch @ .., k, n] => (batch, *k, Some(*n)),
    };
    if k_a != k_b {
        return Err(KernelError::Mismatch {
            op,
            detail: format!("A {a:?} has {k_a} columns but B {b:?} has {k_b} rows"),
        });
    }
    let batch = broadcast_shapes_for(op, a_batch, b_batch)?;
    Ok(batch.into_iter().chain(m).chain(n).collect())
}

/// The output shape `[M, N]` of `Gemm` on 2-D `a` and `b` (transposed first when the flags say so);
/// `c`, if given, must broadcast unidirectionally to `[M, N]`.
pub fn gemm_output_shape(
    a: &[usize],
    b: &[usize],
    c: Option<&[usize]>,
    trans_a: bool,
    trans_b: bool,
) -> Result<Vec<usize>, KernelError> {
    let op = "Gemm";
    let matrix = |operand, shape: &[usize], trans: bool| match *shape {
        [r, c] if trans => Ok((c, r)),
        [r, c] => Ok((r, c)),
        _ => Err(KernelError::Rank {
            op,
            operand,
            shape: shape.to_vec(),
            expected: "rank 2",
        }),
    };
    let (m, k_a) = matrix("A", a, trans_a)?;
    let (k_b, n) = matrix("B", b, trans_b)?;
    if k_a != k_b {
        return Err(KernelError::Mismatch {
            op,
            detail: format!(
                "A {a:?} (trans_a={trans_a}) gives K={k_a} but B {b:?} (trans_b={trans_b}) gives K={k_b}"
            ),
        });
    }
    let out = vec![m, n];
    if let Some(c) = c {
        check_unidirectional(op, "C", c, &out)?;
    }
    Ok(out)
}

/// The output shape of `Concat` along `axis` (negative counts from the end): all shapes must have
/// the same rank and agree on every other axis.
pub fn concat_output_shape(shapes: &[&[usize]], axis: i64) -> Result<Vec<usize>, KernelError> {
    let op = "Concat";
    let (first, rest) = shapes.split_first().ok_or(KernelError::NoInputs { op })?;
    let axis = normalize_axis(op, axis, first.len())?;
    let mut out = first.to_vec();
    for (i, shape) in rest.iter().enumerate() {
        let agrees = shape.len() == first.len()
            && shape
                .iter()
                .zip(first.iter())
                .enumerate()
                .all(|(d, (x, y))| d == axis || x == y);
        if !agrees {
            return Err(KernelError::Mismatch {
                op,
                detail: format!(
                    "input {} has shape {shape:?}, incompatible with input 0 {first:?} outside axis {axis}",
                    i + 1
                ),
            });
        }
        out[axis] += shape[axis];
    }
    Ok(out)
}

/// The output shape of `Transpose`: `out[i] = shape[perm[i]]`. An empty `perm` reverses the axes
/// (the ONNX default).
pub fn transpose_output_shape(shape: &[usize], perm: &[usize]) -> Result<Vec<usize>, KernelError> {
    Ok(resolve_perm(shape, perm)?
        .iter()
        .map(|&p| shape[p])
        .collect())
}

/// `perm`, or the reversal when empty, checked to be a permutation of `0..rank`.
pub(crate) fn resolve_perm(shape: &[usize], perm: &[usize]) -> Result<Vec<usize>, KernelError> {
    let rank = shape.len();
    if perm.is_empty() {
        return Ok((0..rank).rev().collect());
    }
    let mut seen = vec![false; rank];
    let valid = perm.len() == rank
        && perm
            .iter()
            .all(|&p| p < rank && !std::mem::replace(&mut seen[p], true));
    if !valid {
        let detail = format!("{perm:?} is not a permutation of the {rank} axes of {shape:?}");
        return Err(KernelError::Attribute {
            op: "Transpose",
            name: "perm",
            detail,
        });
    }
    Ok(perm.to_vec())
}

/// The output shape of constant-mode `Pad`: `pads` in ONNX order (all begins, then all ends), one
/// pair per axis. Negative pads crop; the result must not be negative.
pub fn pad_output_shape(shape: &[usize], pads: &[i64]) -> Result<Vec<usize>, KernelError> {
    let op = "Pad";
    let rank = shape.len();
    if pads.len() != 2 * rank {
        let detail = format!(
            "has {} values, expected {} (2 x rank of {shape:?})",
            pads.len(),
            2 * rank
        );
        return Err(KernelError::Attribute {
            op,
            name: "pads",
            detail,
        });
    }
    (0..rank)
        .map(|i| {
            let dim = i64::try_from(shape[i]).ok();
            let padded = dim.and_then(|d| d.checked_add(pads[i])?.checked_add(pads[rank + i]));
            padded
                .and_then(|p| usize::try_from(p).ok())
                .ok_or_else(|| KernelError::Attribute {
                    op,
                    name: "pads",
                    detail: format!(
                        "{pads:?} crop axis {i} of {shape:?} below zero (begin {}, end {})",
                        pads[i],
                        pads[rank + i]
                    ),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_numpy_rules() -> Result<(), KernelError> {
        assert_eq!(broadcast_shapes(&[2, 3, 4], &[4])?, vec![2, 3, 4]);
        assert_eq!(broadcast_shapes(&[3, 1], &[2, 1, 5])?, vec![2, 3, 5]);
        assert_eq!(broadcast_shapes(&[], &[2, 2])?, vec![2, 2]);
        assert_eq!(broadcast_shapes(&[0, 1], &[1, 3])?, vec![0, 3]);
        let err = broadcast_shapes(&[2, 3], &[4, 3]);
        let expected = KernelError::NotBroadcastable {
            op: "broadcast",
            lhs: vec![2, 3],
            rhs: vec![4, 3],
        };
        assert_eq!(err, Err(expected));
        Ok(())
    }

    #[test]
    fn matmul_shapes_vectors_and_batches() -> Result<(), KernelError> {
        assert_eq!(matmul_output_shape(&[2, 3], &[3, 4])?, vec![2, 4]);
        assert_eq!(matmul_output_shape(&[3], &[3, 4])?, vec![4]);
        assert_eq!(matmul_output_shape(&[2, 3], &[3])?, vec![2]);
        assert_eq!(matmul_output_shape(&[3], &[3])?, Vec::<usize>::new());
        assert_eq!(
            matmul_output_shape(&[5, 1, 2, 3], &[4, 3, 6])?,
            vec![5, 4, 2, 6]
        );
        assert_eq!(matmul_output_shape(&[3], &[7, 3, 2])?, vec![7, 2]);
        assert!(matches!(
            matmul_output_shape(&[2, 3], &[4, 5]),
            Err(KernelError::Mismatch { .. })
        ));
        assert!(matches!(
            matmul_output_shape(&[], &[4]),
            Err(KernelError::Rank { .. })
        ));
        assert!(matches!(
            matmul_output_shape(&[2, 2, 3], &[3, 3, 1]),
            Err(KernelError::NotBroadcastable { .. })
        ));
        Ok(())
    }

    #[test]
    fn gemm_shapes_with_transposes_and_c() -> Result<(), KernelError> {
        assert_eq!(
            gemm_output_shape(&[2, 3], &[3, 4], None, false, false)?,
            vec![2, 4]
        );
        assert_eq!(
            gemm_output_shape(&[3, 2], &[4, 3], Some(&[4]), true, true)?,
            vec![2, 4]
        );
        assert_eq!(
            gemm_output_shape(&[2, 3], &[3, 4], Some(&[2, 1]), false, false)?,
            vec![2, 4]
        );
        let err = gemm_output_shape(&[2, 3], &[3, 4], None, true, false);
        assert!(matches!(err, Err(KernelError::Mismatch { .. })), "{err:?}");
        let err = gemm_output_shape(&[2, 3], &[3, 4], Some(&[3]), false, false);
        assert!(
            matches!(err, Err(KernelError::NotUnidirectional { .. })),
            "{err:?}"
        );
        let err = gemm_output_shape(&[2, 3, 1], &[3, 4], None, false, false);
        assert!(
            matches!(err, Err(KernelError::Rank { operand: "A", .. })),
            "{err:?}"
        );
        Ok(())
    }

    #[test]
    fn conv_and_pool_shapes() -> Result<(), KernelError> {
        let params = ConvParams {
            window: Window {
                strides: vec![2, 2],
                pads: vec![3, 3, 3, 3],
                ..Window::default()
            },
            group: 1,
        };
        assert_eq!(
            conv_output_shape(&[1, 3, 224, 224], &[64, 3, 7, 7], &params)?,
            vec![1, 64, 112, 112]
        );
        let pool = Window {
            strides: vec![2, 2],
            pads: vec![1, 1, 1, 1],
            ..Window::new(vec![3, 3])
        };
        assert_eq!(
            pool_output_shape(&[1, 64, 112, 112], &pool, false)?,
            vec![1, 64, 56, 56]
        );
        let pool = Window {
            strides: vec![2],
            ..Window::new(vec![2])
        };
        assert_eq!(pool_output_shape(&[1, 1, 5], &pool, false)?, vec![1, 1, 2]);
        assert_eq!(pool_output_shape(&[1, 1, 5], &pool, true)?, vec![1, 1, 3]);
        Ok(())
    }

    #[test]
    fn concat_shapes() -> Result<(), KernelError> {
        assert_eq!(concat_output_shape(&[&[2, 3], &[2, 5]], -1)?, vec![2, 8]);
        assert_eq!(
            concat_output_shape(&[&[1, 3], &[2, 3], &[4, 3]], 0)?,
            vec![7, 3]
        );
        let err = concat_output_shape(&[&[2, 3], &[3, 3]], 1);
        assert!(matches!(err, Err(KernelError::Mismatch { .. })), "{err:?}");
        let err = concat_output_shape(&[&[2, 3], &[2, 3, 1]], 0);
        assert!(matches!(err, Err(KernelError::Mismatch { .. })), "{err:?}");
        assert_eq!(
            concat_output_shape(&[], 0),
            Err(KernelError::NoInputs { op: "Concat" })
        );
        assert!(matches!(
            concat_output_shape(&[&[2]], 1),
            Err(KernelError::Axis { axis: 1, .. })
        ));
        Ok(())
    }

    #[test]
    fn transpose_shapes() -> Result<(), KernelError> {
        assert_eq!(
            transpose_output_shape(&[2, 3, 4], &[1, 2, 0])?,
            vec![3, 4, 2]
        );
        assert_eq!(transpose_output_shape(&[2, 3, 4], &[])?, vec![4, 3, 2]);
        for bad in [&[0, 0, 1][..], &[0, 1], &[0, 1, 3]] {
            let err = transpose_output_shape(&[2, 3, 4], bad);
            assert!(
                matches!(err, Err(KernelError::Attribute { name: "perm", .. })),
                "{bad:?}: {err:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn pad_shapes() -> Result<(), KernelError> {
        assert_eq!(pad_output_shape(&[2, 3], &[1, 0, 2, 4])?, vec![5, 7]);
        assert_eq!(pad_output_shape(&[2, 3], &[0, -1, 0, -1])?, vec![2, 1]);
        let err = pad_output_shape(&[2, 3], &[0, -2, 0, -2]);
        assert!(
            matches!(err, Err(KernelError::Attribute { name: "pads", .. })),
            "{err:?}"
        );
        let err = pad_output_shape(&[2, 3], &[1, 1]);
        assert!(
            matches!(err, Err(KernelError::Attribute { name: "pads", .. })),
            "{err:?}"
        );
        Ok(())
    }
}
