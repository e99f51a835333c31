//! Helpers shared by the kernels' unit tests.

use crate::Tensor;

/// A tensor from a shape and its row-major elements.
#[allow(clippy::expect_used)]
pub(crate) fn t(shape: &[usize], data: &[f32]) -> Tensor {
    Tensor::new(shape.to_vec(), data.to_vec()).expect("test tensor: data length must match shape")
}

/// A tensor holding `start, start + 1, ...` in row-major order.
pub(crate) fn iota(shape: &[usize], start: f32) -> Tensor {
    let len: usize = shape.iter().product();
    t(
        shape,
        &(0..len).map(|i| start + i as f32).collect::<Vec<_>>(),
    )
}

/// Asserts that `actual` has `shape` and elements within a relative tolerance of `expected`.
#[track_caller]
pub(crate) fn assert_close(actual: &Tensor, shape: &[usize], expected: &[f32]) {
    assert_eq!(actual.shape(), shape, "shape");
    assert_eq!(actual.len(), expected.len(), "element count");
    for (i, (&a, &e)) in actual.data().iter().zip(expected).enumerate() {
        let ok = a == e || (a - e).abs() <= 1e-5 * e.abs().max(1.0);
        assert!(
            ok,
            "element {i}: got {a}, expected {e}\n  all: {:?}",
            actual.data()
        );
    }
}
