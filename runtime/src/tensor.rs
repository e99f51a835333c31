//! Dense `f32` tensors in row-major (NCHW for images) layout: the one data type that flows between the
//! compiler's constant folding, the reference kernels and the simulator.

use std::sync::{Arc, OnceLock};

/// A dense row-major `f32` tensor. The data is shared (`Arc`) so that cloning a graph that holds
/// large weights is cheap (an `Arc<Vec>`, not an `Arc<[f32]>`, so that a tensor takes its data
/// without copying it); so is whether every element is the same (computed once, on demand:
/// printing and building IR ask it of every constant after every pass).
#[derive(Debug, Clone)]
pub struct Tensor {
    shape: Vec<usize>,
    data: Arc<Vec<f32>>,
    splat: Arc<OnceLock<Option<f32>>>,
}

impl PartialEq for Tensor {
    fn eq(&self, other: &Self) -> bool {
        self.shape == other.shape && self.data == other.data
    }
}

impl Tensor {
    /// Creates a tensor, or returns `None` when `data.len()` is not the product of `shape`.
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Option<Self> {
        (shape.iter().product::<usize>() == data.len())
            .then(|| Self::from_parts(shape, Arc::new(data)))
    }

    fn from_parts(shape: Vec<usize>, data: Arc<Vec<f32>>) -> Self {
        Self {
            shape,
            data,
            splat: Arc::default(),
        }
    }

    /// A tensor of the given shape with every element equal to `value` (known to be a splat:
    /// [`Tensor::splat_value`] does not scan it).
    pub fn filled(shape: Vec<usize>, value: f32) -> Self {
        let len = shape.iter().product();
        let splat = Arc::new(OnceLock::from((len > 0).then_some(value)));
        Self {
            shape,
            data: Arc::new(vec![value; len]),
            splat,
        }
    }

    /// The value of every element when they are all the same (bit for bit) and there is at
    /// least one; computed once per data.
    pub fn splat_value(&self) -> Option<f32> {
        *self.splat.get_or_init(|| {
            let first = *self.data.first()?;
            self.data
                .iter()
                .all(|v| v.to_bits() == first.to_bits())
                .then_some(first)
        })
    }

    /// A zero-filled tensor.
    pub fn zeros(shape: Vec<usize>) -> Self {
        Self::filled(shape, 0.0)
    }

    /// A rank-0 tensor.
    pub fn scalar(value: f32) -> Self {
        Self::filled(Vec::new(), value)
    }

    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The elements, row-major.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The same elements under another shape, or `None` when the element counts differ.
    pub fn reshaped(&self, shape: Vec<usize>) -> Option<Self> {
        (shape.iter().product::<usize>() == self.data.len()).then(|| Self {
            shape,
            data: Arc::clone(&self.data),
            splat: Arc::clone(&self.splat),
        })
    }

    /// A tensor of the same shape whose elements are `f` applied to this one's.
    pub fn map(&self, f: impl Fn(f32) -> f32) -> Self {
        Self::from_parts(
            self.shape.clone(),
            Arc::new(self.data.iter().map(|&v| f(v)).collect()),
        )
    }

    /// The elements as little-endian bytes (the layout of MLIR dense attributes and `.pimbin` weights).
    pub fn to_le_bytes(&self) -> Vec<u8> {
        f32_le_bytes(&self.data)
    }
}

/// The little-endian bytes of `data`.
pub fn f32_le_bytes(data: &[f32]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(4 * data.len());
    for value in data {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_tensor_knows_its_splat_as_a_scan_finds_it() {
        for (shape, value) in [(vec![3, 2], 1.5), (vec![4], f32::NAN), (vec![0, 5], 2.0)] {
            let filled = Tensor::filled(shape.clone(), value);
            let scanned = Tensor::new(shape.clone(), filled.data().to_vec()).unwrap();
            assert_eq!(
                filled.splat_value().map(f32::to_bits),
                scanned.splat_value().map(f32::to_bits),
                "{shape:?}"
            );
        }
    }
}
