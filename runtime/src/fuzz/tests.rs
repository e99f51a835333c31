//! The fuzzer's CI slice (a short seeded campaign over hand-built programs) and the regression
//! tests of its findings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::sim::tests::fc::fc_case;

/// Seeded mutations of the fully connected test program, of its input `.npy` and of its input
/// set: nothing panics, and the campaign reaches every depth.
#[test]
fn a_seeded_campaign_finds_nothing() {
    let (program, inputs, _) = fc_case();
    let bytes = program.write().unwrap();
    let npy = crate::sim::npy_bytes(&inputs[0].1).unwrap();
    let mut m = Mutator::new(20261206);
    let mut depths = std::collections::BTreeSet::new();
    for i in 0..3000 {
        let outcome = match i % 3 {
            0 => {
                let mut b = m.mutate(&bytes);
                if m.rng.below(2) == 0 {
                    seal_pimbin(&mut b);
                }
                check_pimbin(&b)
            }
            1 => check_npy(&m.mutate(&npy), &program),
            _ => check_inputs(&program, &mut m.rng),
        };
        let depth = outcome.unwrap_or_else(|p| panic!("input {i}: panic: {p}"));
        depths.insert(depth);
    }
    assert_eq!(depths.len(), 3, "{depths:?}");
}

#[test]
fn sealing_keeps_a_file_readable() {
    let (program, _, _) = fc_case();
    let mut bytes = program.write().unwrap();
    bytes[12] ^= 1;
    assert!(Program::read(&bytes).is_err());
    seal_pimbin(&mut bytes);
    assert_eq!(Program::read(&bytes).unwrap(), program);
}
