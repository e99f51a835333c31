//! Comparing a run's outputs with reference outputs (the reference kernels, onnxruntime) within a
//! tolerance: the simulator is exact f32, so the only expected difference is float reassociation
//! (sums in a different order), which the tolerance absorbs.

use super::SimError;
use crate::Tensor;

/// How far an output element may be from its reference: `|got - want| <= abs + rel * |want|`.
/// NaN matches only NaN; infinities only themselves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Absolute part.
    pub abs: f32,
    /// Relative part.
    pub rel: f32,
}

impl Tolerance {
    /// Bit-exact comparison (zero tolerance).
    pub const EXACT: Tolerance = Tolerance { abs: 0.0, rel: 0.0 };

    /// Whether `got` is close enough to `want`.
    pub fn accepts(&self, got: f32, want: f32) -> bool {
        if got.is_nan() || want.is_nan() {
            return got.is_nan() && want.is_nan();
        }
        got == want || (got - want).abs() <= self.abs + self.rel * want.abs()
    }
}

impl Default for Tolerance {
    /// `1e-4` absolute and relative: reassociation of f32 sums over a few thousand terms.
    fn default() -> Self {
        Tolerance {
            abs: 1e-4,
            rel: 1e-4,
        }
    }
}

/// Checks that `actual` has exactly the outputs of `expected` (same names, order, shapes) with
/// every element within `tol`; the first difference is a [`SimError::Mismatch`].
pub fn compare_outputs<S: AsRef<str>>(
    actual: &[(String, Tensor)],
    expected: &[(S, Tensor)],
    tol: Tolerance,
) -> Result<(), SimError> {
    let mismatch = |detail: String| SimError::Mismatch { detail };
    let names = |list: Vec<&str>| list.join(", ");
    let got: Vec<&str> = actual.iter().map(|(n, _)| n.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|(n, _)| n.as_ref()).collect();
    if got != want {
        return Err(mismatch(format!(
            "outputs [{}], expected [{}]",
            names(got),
            names(want)
        )));
    }
    for ((name, a), (_, e)) in actual.iter().zip(expected) {
        compare_tensor(name, a, e, tol).map_err(mismatch)?;
    }
    Ok(())
}

/// The first difference between `a` and `e`, in words.
fn compare_tensor(name: &str, a: &Tensor, e: &Tensor, tol: Tolerance) -> Result<(), String> {
    if a.shape() != e.shape() {
        return Err(format!(
            "`{name}` has shape {:?}, expected {:?}",
            a.shape(),
            e.shape()
        ));
    }
    match a
        .data()
        .iter()
        .zip(e.data())
        .position(|(&g, &w)| !tol.accepts(g, w))
    {
        None => Ok(()),
        Some(i) => Err(format!(
            "`{name}` element {i} is {}, expected {} (tolerance {:?})",
            a.data()[i],
            e.data()[i],
            tol
        )),
    }
}
