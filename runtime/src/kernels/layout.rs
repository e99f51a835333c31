//! Data movement without arithmetic: `Concat`, `Transpose` and constant-mode `Pad`.

use super::broadcast::{dense_strides, for_each_index};
use super::shape::{concat_output_shape, pad_output_shape, resolve_perm};
use super::{normalize_axis, output, split_at_axis, KernelError};
use crate::Tensor;

/// ONNX `Concat` of `inputs` along `axis` (negative counts from the end).
pub fn concat(inputs: &[&Tensor], axis: i64) -> Result<Tensor, KernelError> {
    let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape()).collect();
    let shape = concat_output_shape(&shapes, axis)?;
    let axis = normalize_axis("Concat", axis, shape.len())?;
    let (outer, _, inner) = split_at_axis(&shape, axis);
    let mut data = Vec::with_capacity(shape.iter().product());
    for o in 0..outer {
        for t in inputs {
            let chunk = t.shape()[axis] * inner;
            data.extend_from_slice(&t.data()[o * chunk..(o + 1) * chunk]);
        }
    }
    output("Concat", shape, data)
}

/// ONNX `Transpose`: output axis `i` is input axis `perm[i]`; an empty `perm` reverses the axes.
pub fn transpose(x: &Tensor, perm: &[usize]) -> Result<Tensor, KernelError> {
    let perm = resolve_perm(x.shape(), perm)?;
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape()[p]).collect();
    if let ([rows, cols], [1, 0]) = (x.shape(), perm.as_slice()) {
        return output("Transpose", shape, transpose_2d(x.data(), *rows, *cols));
    }
    let dense = dense_strides(x.shape());
    let strides: Vec<usize> = perm.iter().map(|&p| dense[p]).collect();
    let mut data = Vec::with_capacity(x.len());
    for_each_index(&shape, [&strides], |[i]| data.push(x.data()[i]));
    output("Transpose", shape, data)
}

/// The transpose of a row-major `rows` x `cols` matrix, in cache-sized blocks (weight matrices of
/// fully connected layers reach 10^8 elements).
pub fn transpose_2d(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; rows * cols];
    transpose_2d_into(data, rows, cols, &mut out);
    out
}

/// [`transpose_2d`] into `out` (`rows * cols` elements; both slices at least that long).
pub fn transpose_2d_into(data: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    const BLOCK: usize = 64;
    let (data, out) = (&data[..rows * cols], &mut out[..rows * cols]);
    for row_block in (0..rows).step_by(BLOCK) {
        for col_block in (0..cols).step_by(BLOCK) {
            for r in row_block..(row_block + BLOCK).min(rows) {
                let row = &data[r * cols..(r + 1) * cols];
                for c in col_block..(col_block + BLOCK).min(cols) {
                    out[c * rows + r] = row[c];
                }
            }
        }
    }
}

/// ONNX `Pad` in constant mode: `pads` holds all begins then all ends, one pair per axis; new
/// elements are `value`, and negative pads crop.
pub fn pad(x: &Tensor, pads: &[i64], value: f32) -> Result<Tensor, KernelError> {
    let shape = pad_output_shape(x.shape(), pads)?;
    let rank = shape.len();
    let mut data = vec![value; shape.iter().product()];
    // The block of x that survives: it starts at `max(0, -begin)` in x and `max(0, begin)` in y.
    let clamp = |v: i64| usize::try_from(v.max(0)).unwrap_or(0);
    let x_start: Vec<usize> = pads[..rank].iter().map(|&p| clamp(-p)).collect();
    let y_start: Vec<usize> = pads[..rank].iter().map(|&p| clamp(p)).collect();
    let block: Vec<usize> = (0..rank)
        .map(|i| {
            (x.shape()[i] - x_start[i].min(x.shape()[i])).min(shape[i] - y_start[i].min(shape[i]))
        })
        .collect();
    let (x_strides, y_strides) = (dense_strides(x.shape()), dense_strides(&shape));
    let offset = |start: &[usize], strides: &[usize]| {
        start.iter().zip(strides).map(|(s, t)| s * t).sum::<usize>()
    };
    let (x0, y0) = (offset(&x_start, &x_strides), offset(&y_start, &y_strides));
    for_each_index(&block, [&x_strides, &y_strides], |[i, j]| {
        data[y0 + j] = x.data()[x0 + i]
    });
    output("Pad", shape, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, iota, t};

    #[test]
    fn concat_along_inner_and_outer_axes() -> Result<(), KernelError> {
        let a = iota(&[2, 2], 0.0);
        let b = iota(&[2, 1], 10.0);
        assert_close(&concat(&[&a, &b], 1)?, &[2, 3], &[0., 1., 10., 2., 3., 11.]);
        assert_close(
            &concat(&[&a, &b], -1)?,
            &[2, 3],
            &[0., 1., 10., 2., 3., 11.],
        );
        let c = iota(&[1, 2], 20.0);
        assert_close(
            &concat(&[&a, &c, &a], 0)?,
            &[5, 2],
            &[0., 1., 2., 3., 20., 21., 0., 1., 2., 3.],
        );
        Ok(())
    }

    #[test]
    fn concat_channels_of_images() -> Result<(), KernelError> {
        // [1, 1, 1, 2] ++ [1, 2, 1, 2] along channels.
        let y = concat(&[&iota(&[1, 1, 1, 2], 0.0), &iota(&[1, 2, 1, 2], 5.0)], 1)?;
        assert_close(&y, &[1, 3, 1, 2], &[0., 1., 5., 6., 7., 8.]);
        Ok(())
    }

    #[test]
    fn concat_errors() {
        let err = concat(&[&iota(&[2, 2], 0.0), &iota(&[3, 3], 0.0)], 0);
        assert!(
            matches!(err, Err(KernelError::Mismatch { op: "Concat", .. })),
            "{err:?}"
        );
        assert_eq!(concat(&[], 0), Err(KernelError::NoInputs { op: "Concat" }));
        let err = concat(&[&iota(&[2, 2], 0.0)], -3);
        assert!(
            matches!(
                err,
                Err(KernelError::Axis {
                    axis: -3,
                    rank: 2,
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn transpose_2d_3d_and_default() -> Result<(), KernelError> {
        let m = iota(&[2, 3], 0.0);
        assert_close(&transpose(&m, &[1, 0])?, &[3, 2], &[0., 3., 1., 4., 2., 5.]);
        assert_close(&transpose(&m, &[])?, &[3, 2], &[0., 3., 1., 4., 2., 5.]);
        assert_close(&transpose(&m, &[0, 1])?, &[2, 3], m.data());
        // [2, 3, 2] -> perm [2, 0, 1] -> [2, 2, 3]: y[a][b][c] = x[b][c][a].
        let x = iota(&[2, 3, 2], 0.0);
        let expected = [0., 2., 4., 6., 8., 10., 1., 3., 5., 7., 9., 11.];
        assert_close(&transpose(&x, &[2, 0, 1])?, &[2, 2, 3], &expected);
        Ok(())
    }

    #[test]
    fn blocked_2d_transpose_matches_the_general_one_across_block_edges() -> Result<(), KernelError>
    {
        let (rows, cols) = (70, 130);
        let m = iota(&[rows, cols], 0.0);
        let general = transpose(
            &m.reshaped(vec![rows, cols, 1])
                .ok_or(KernelError::NoInputs { op: "test" })?,
            &[1, 0, 2],
        )?;
        assert_close(&transpose(&m, &[1, 0])?, &[cols, rows], general.data());
        Ok(())
    }

    #[test]
    fn transpose_rejects_bad_perm() {
        let err = transpose(&iota(&[2, 3], 0.0), &[1, 1]);
        assert!(
            matches!(
                err,
                Err(KernelError::Attribute {
                    op: "Transpose",
                    name: "perm",
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn pad_constant_asymmetric() -> Result<(), KernelError> {
        // [2, 2] padded with 1 row above, 1 column after: pads = [1, 0, 0, 1].
        let y = pad(&t(&[2, 2], &[1., 2., 3., 4.]), &[1, 0, 0, 1], -1.0)?;
        assert_close(&y, &[3, 3], &[-1., -1., -1., 1., 2., -1., 3., 4., -1.]);
        Ok(())
    }

    #[test]
    fn pad_negative_crops() -> Result<(), KernelError> {
        // [2, 3]: crop the first column, pad one row at the end: pads = [0, -1, 1, 0].
        let y = pad(&iota(&[2, 3], 1.0), &[0, -1, 1, 0], 0.0)?;
        assert_close(&y, &[3, 2], &[2., 3., 5., 6., 0., 0.]);
        // Crop everything along one axis.
        let y = pad(&iota(&[2, 3], 1.0), &[0, -2, 0, -1], 0.0)?;
        assert_close(&y, &[2, 0], &[]);
        Ok(())
    }

    #[test]
    fn pad_4d_spatial_only_and_errors() -> Result<(), KernelError> {
        let y = pad(&iota(&[1, 1, 1, 2], 1.0), &[0, 0, 1, 0, 0, 0, 0, 1], 0.0)?;
        assert_close(&y, &[1, 1, 2, 3], &[0., 0., 0., 1., 2., 0.]);
        let err = pad(&iota(&[2], 0.0), &[-2, -1], 0.0);
        assert!(
            matches!(
                err,
                Err(KernelError::Attribute {
                    op: "Pad",
                    name: "pads",
                    ..
                })
            ),
            "{err:?}"
        );
        Ok(())
    }
}
