//! Strided iteration over an output shape, the engine behind numpy broadcasting (binary ops, batched
//! matmul), unidirectional expansion (Gemm's C, PRelu's slope), transposition and padding.

use super::{output, shape::broadcast_shapes_for, KernelError};
use crate::Tensor;

/// Row-major strides (in elements) of a dense tensor of `shape`.
pub(crate) fn dense_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    strides
}

/// Strides of a dense tensor of `shape` read as if broadcast to `out` (numpy rule, shapes aligned
/// on the right): 0 along the axes where `shape` has extent 1 or is missing. `shape` must be
/// broadcastable to `out`.
pub(crate) fn broadcast_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let lead = out.len() - shape.len();
    let dense = dense_strides(shape);
    (0..out.len())
        .map(|i| match i.checked_sub(lead) {
            Some(j) if shape[j] != 1 => dense[j],
            _ => 0,
        })
        .collect()
}

/// Calls `f` with one element offset per operand for every index of `out`, in row-major order;
/// operand `n`'s offset is the dot product of the index with `strides[n]`.
pub(crate) fn for_each_index<const N: usize>(
    out: &[usize],
    strides: [&[usize]; N],
    mut f: impl FnMut([usize; N]),
) {
    if out.contains(&0) {
        return;
    }
    let Some((&inner, outer)) = out.split_last() else {
        f([0; N]);
        return;
    };
    let step: [usize; N] = std::array::from_fn(|n| strides[n][outer.len()]);
    let mut index = vec![0; outer.len()];
    let mut base = [0; N];
    loop {
        for j in 0..inner {
            f(std::array::from_fn(|n| base[n] + j * step[n]));
        }
        // Odometer increment of the outer index, updating the base offsets incrementally.
        let mut d = outer.len();
        loop {
            let Some(prev) = d.checked_sub(1) else { return };
            d = prev;
            index[d] += 1;
            for n in 0..N {
                base[n] += strides[n][d];
            }
            if index[d] < outer[d] {
                break;
            }
            for n in 0..N {
                base[n] -= strides[n][d] * outer[d];
            }
            index[d] = 0;
        }
    }
}

/// Checks that `from` broadcasts to exactly `to` (ONNX unidirectional broadcasting).
pub(crate) fn check_unidirectional(
    op: &'static str,
    operand: &'static str,
    from: &[usize],
    to: &[usize],
) -> Result<(), KernelError> {
    match broadcast_shapes_for(op, from, to) {
        Ok(shape) if shape == to => Ok(()),
        _ => Err(KernelError::NotUnidirectional {
            op,
            operand,
            from: from.to_vec(),
            to: to.to_vec(),
        }),
    }
}

/// `t` materialised at shape `to` (unidirectional broadcasting).
pub(crate) fn expand(
    op: &'static str,
    operand: &'static str,
    t: &Tensor,
    to: &[usize],
) -> Result<Tensor, KernelError> {
    check_unidirectional(op, operand, t.shape(), to)?;
    let strides = broadcast_strides(t.shape(), to);
    let mut data = Vec::with_capacity(to.iter().product());
    for_each_index(to, [&strides], |[i]| data.push(t.data()[i]));
    output(op, to.to_vec(), data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, iota, t};

    #[test]
    fn strides_dense_and_broadcast() {
        assert_eq!(dense_strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(dense_strides(&[]), Vec::<usize>::new());
        assert_eq!(broadcast_strides(&[3, 1], &[2, 3, 4]), vec![0, 1, 0]);
        assert_eq!(broadcast_strides(&[4], &[2, 3, 4]), vec![0, 0, 1]);
    }

    #[test]
    fn for_each_index_visits_row_major() {
        let mut seen = Vec::new();
        for_each_index(&[2, 3], [&[3, 1], &[0, 1]], |[a, b]| seen.push((a, b)));
        assert_eq!(seen, vec![(0, 0), (1, 1), (2, 2), (3, 0), (4, 1), (5, 2)]);
        let mut count = 0;
        for_each_index(&[], [&[]], |_| count += 1);
        assert_eq!(count, 1, "rank 0 has one element");
        for_each_index(&[2, 0, 3], [&[0, 0, 0]], |_| count += 1);
        assert_eq!(count, 1, "empty shapes have no elements");
    }

    #[test]
    fn expand_broadcasts_rows_and_columns() -> Result<(), KernelError> {
        assert_close(
            &expand("t", "C", &iota(&[3], 1.0), &[2, 3])?,
            &[2, 3],
            &[1., 2., 3., 1., 2., 3.],
        );
        assert_close(
            &expand("t", "C", &t(&[2, 1], &[1., 2.]), &[2, 3])?,
            &[2, 3],
            &[1., 1., 1., 2., 2., 2.],
        );
        assert_close(
            &expand("t", "C", &Tensor::scalar(7.0), &[2])?,
            &[2],
            &[7., 7.],
        );
        Ok(())
    }

    #[test]
    fn expand_is_unidirectional() {
        let err = expand("Gemm", "C", &iota(&[2, 3], 0.0), &[1, 3]);
        let expected = KernelError::NotUnidirectional {
            op: "Gemm",
            operand: "C",
            from: vec![2, 3],
            to: vec![1, 3],
        };
        assert_eq!(err, Err(expected));
        assert!(check_unidirectional("t", "C", &[4], &[2, 3]).is_err());
    }
}
