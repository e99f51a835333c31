//! The fault-injection harness on the hand-written FC and conv programs: each program matches
//! its reference, and every injected fault (dropped `wload`, retargeted `mvm`, swapped `acc`,
//! changed `vop`) is detected, by a failing run or by different outputs.

use super::conv::conv_case;
use super::fc::fc_case;
use super::*;
use crate::isa::{Instruction, VOp};
use crate::sim::{inject_faults, mutants, Mutation, Outcome};

/// Runs the harness and checks that every kind of fault was injected and detected.
fn all_detected(
    p: &Program,
    inputs: &[(&str, Tensor)],
    expected: &Tensor,
) -> Vec<(Mutation, Outcome)> {
    let report =
        inject_faults(p, inputs, &[("y", expected.clone())], Tolerance::default()).unwrap();
    assert!(
        report.survivors().is_empty(),
        "undetected faults:\n{report}"
    );
    let kinds = [
        report
            .results
            .iter()
            .any(|(m, _)| matches!(m, Mutation::DropWload { .. })),
        report
            .results
            .iter()
            .any(|(m, _)| matches!(m, Mutation::RetargetMvm { .. })),
        report
            .results
            .iter()
            .any(|(m, _)| matches!(m, Mutation::SwapAcc { .. })),
        report
            .results
            .iter()
            .any(|(m, _)| matches!(m, Mutation::ChangeVop { .. })),
    ];
    assert_eq!(kinds, [true; 4], "{report}");
    report.results
}

#[test]
fn every_fault_in_the_fc_program_is_detected() {
    let (p, inputs, expected) = fc_case();
    let results = all_detected(&p, &inputs, &expected);
    // 4 wloads, 4 mvms, 1 acc, 2 vops.
    assert_eq!(results.len(), 11);
    // Dropping a crossbar's only wload makes its mvm fail; the others change the numbers.
    let (_, dropped) = &results[0];
    assert!(
        matches!(dropped, Outcome::Fails(e) if e.contains("never loaded")),
        "{dropped:?}"
    );
    let (_, swapped) = results
        .iter()
        .find(|(m, _)| matches!(m, Mutation::SwapAcc { .. }))
        .unwrap();
    assert!(matches!(swapped, Outcome::Differs(_)), "{swapped:?}");
}

#[test]
fn every_fault_in_the_conv_program_is_detected() {
    let (p, inputs, expected) = conv_case();
    all_detected(&p, &inputs, &expected);
}

#[test]
fn mutants_change_exactly_one_instruction() {
    let (p, _, _) = fc_case();
    for m in mutants(&p) {
        let changed: Vec<usize> = (0..p.code.len())
            .filter(|&i| p.code[i] != m.program.code[i])
            .collect();
        assert_eq!(changed.len(), 1, "{}", m.mutation);
        let i = changed[0];
        match (m.mutation, m.program.code[i]) {
            (Mutation::DropWload { index, .. }, Instruction::Barrier {}) => assert_eq!(index, i),
            (Mutation::RetargetMvm { index, to, .. }, Instruction::Mvm { xbar, .. }) => {
                assert_eq!((index, xbar), (i, to))
            }
            (Mutation::SwapAcc { index }, Instruction::Acc { .. }) => assert_eq!(index, i),
            (Mutation::ChangeVop { index, from, to }, Instruction::VecOp { op, .. }) => {
                assert_eq!((index, op), (i, to));
                assert_ne!(from, to);
            }
            (mutation, inst) => panic!("{mutation} produced {inst}"),
        }
    }
}

#[test]
fn a_dead_instruction_survives_and_is_reported() {
    // The relu's result is never stored: changing it cannot be seen.
    let code = "load src=dram[0x100], dst=global[0x0], len=4, count=1, sstride=0, dstride=0
                vop op=relu, dst=global[0x10], a=global[0x0], b=dram[0x0], len=4, count=1, param=0
                store src=global[0x0], dst=dram[0x200], len=4, count=1, sstride=0, dstride=0
                halt";
    let p = program(
        code,
        vec![],
        vec![],
        vec![input("x", &[4], 0x100), output("y", &[4], 0x200)],
    );
    let x = random(&[4], 60);
    let report = inject_faults(&p, &[("x", x.clone())], &[("y", x)], Tolerance::default()).unwrap();
    assert_eq!(
        report.survivors(),
        vec![Mutation::ChangeVop {
            index: 1,
            from: VOp::Relu,
            to: VOp::Tanh
        }]
    );
    assert!(report.to_string().contains("SURVIVES"), "{report}");
}

#[test]
fn the_harness_rejects_a_wrong_original() {
    let (p, inputs, expected) = fc_case();
    let err = inject_faults(
        &p,
        &inputs,
        &[("y", expected.map(|v| v + 1.0))],
        Tolerance::default(),
    )
    .unwrap_err();
    assert!(matches!(err, SimError::Mismatch { .. }), "{err:?}");
}
