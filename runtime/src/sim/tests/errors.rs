//! Every run-time error is a `SimError` that names what went wrong: the instruction (index and
//! assembly) and the address for execution faults, the binding and shapes for input problems.

use super::*;
use crate::isa::MemRef;
use crate::sim::Fault;

fn run(p: &Program, inputs: &[(&str, Tensor)]) -> Result<Vec<(String, Tensor)>, SimError> {
    Simulator::run(p, inputs)
}

#[test]
fn mvm_on_a_crossbar_never_loaded() {
    let code = "wload xbar=4, src=dram[0x0], stride=1, row=0, col=0, rows=2, cols=1, clear=true, copies=1, xstride=0
                mvm xbar=5, src=global[0x0], dst=global[0x10], count=1, sstride=0, dstride=0, pix=0, bits=8, mode=dense, win=0, accumulate=0
                halt";
    let p = program(code, vec![1.0, 2.0], vec![], vec![]);
    let result = run(&p, &[]);
    let message = result.as_ref().unwrap_err().to_string();
    let (index, asm, fault) = execution_error(result);
    assert_eq!(index, 1);
    assert!(asm.starts_with("mvm xbar=5,"), "{asm}");
    assert_eq!(fault, Fault::UnloadedCrossbar { xbar: 5 });
    assert!(
        message.contains("instruction 1 (`mvm xbar=5") && message.contains("never loaded"),
        "{message}"
    );
}

#[test]
fn out_of_bounds_mvm_output_names_instruction_and_address() {
    // 16 outputs at 0x1fff8 run past the 131072-element (0x20000) global buffer; verify cannot
    // see it (the width comes from the crossbar's active block), the simulator does.
    let code = "wload xbar=0, src=dram[0x0], stride=16, row=0, col=0, rows=1, cols=16, clear=true, copies=1, xstride=0
                load src=dram[0x0], dst=global[0x0], len=1, count=1, sstride=0, dstride=0
                mvm xbar=0, src=global[0x0], dst=global[0x1fff8], count=1, sstride=0, dstride=0, pix=0, bits=8, mode=dense, win=0, accumulate=0
                halt";
    let p = program(code, vec![1.0; 16], vec![], vec![]);
    let result = run(&p, &[]);
    let message = result.as_ref().unwrap_err().to_string();
    let (index, _, fault) = execution_error(result);
    assert_eq!(index, 2);
    assert_eq!(
        fault,
        Fault::OutOfBounds {
            operand: "dst",
            mem: "global[0x1fff8]".into(),
            first: 0x1fff8,
            last: 0x20007,
            capacity: 0x20000,
            space: "global buffer".into(),
        }
    );
    assert!(
        message.contains("instruction 2 (`mvm") && message.contains("dst = global[0x1fff8]"),
        "{message}"
    );
}

#[test]
fn out_of_bounds_through_a_base_register_changes_nothing() {
    // The second load writes 0x1fff0 + r1 .. + 32 elements: the last 16 are past the buffer, so
    // the load faults and writes nothing (the buffer keeps the first load's values).
    let code = "load src=dram[0x0], dst=global[0x1fff0], len=16, count=1, sstride=0, dstride=0
                rset reg=r1, value=0x1fff0
                load src=dram[0x10], dst=global[r1+0x0], len=32, count=1, sstride=0, dstride=0
                halt";
    let p = program(code, values(48, 50), vec![], vec![]);
    let mut sim = Simulator::new(&p).unwrap();
    let err = sim.execute().unwrap_err();
    let SimError::Execution {
        index: 2, fault, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(
        matches!(
            fault,
            Fault::OutOfBounds {
                operand: "dst",
                first: 0x1fff0,
                last: 0x2000f,
                ..
            }
        ),
        "{fault:?}"
    );
    assert!(err.to_string().contains("global[r1+0x0]"), "{err}");
    let kept = sim.machine().read(MemRef::global(0x1fff0), 16).unwrap();
    assert_eq!(kept, p.weights[..16]);
}

#[test]
fn statically_out_of_bounds_operands_fail_verification() {
    let code = "load src=dram[0x0], dst=global[0x1fff0], len=32, count=1, sstride=0, dstride=0
                halt";
    let p = program(code, vec![], vec![], vec![]);
    let err = run(&p, &[]).unwrap_err();
    assert!(matches!(err, SimError::Verify(_)), "{err:?}");
    assert!(err.to_string().contains("instruction 0 (load)"), "{err}");
}

#[test]
fn wait_without_signal_is_a_deadlock() {
    let p = program(
        "signal event=3\nwait event=3\nwait event=3\nhalt",
        vec![],
        vec![],
        vec![],
    );
    let (index, asm, fault) = execution_error(run(&p, &[]));
    assert_eq!((index, asm.as_str()), (2, "wait event=3"));
    assert_eq!(fault, Fault::Deadlock { event: 3 });
}

#[test]
fn store_into_the_weights_is_rejected() {
    let code = "load src=dram[0x0], dst=global[0x0], len=4, count=1, sstride=0, dstride=0
                store src=global[0x0], dst=dram[0x2], len=4, count=1, sstride=0, dstride=0
                halt";
    let p = program(code, vec![1.0; 4], vec![], vec![]);
    let (index, _, fault) = execution_error(run(&p, &[]));
    assert_eq!(index, 1);
    assert!(
        matches!(
            fault,
            Fault::WeightsReadOnly {
                first: 2,
                last: 5,
                ..
            }
        ),
        "{fault:?}"
    );
}

#[test]
fn window_mvm_past_the_last_output_pixel() {
    let code = "wload xbar=0, src=dram[0x0], stride=1, row=0, col=0, rows=9, cols=1, clear=true, copies=1, xstride=0
                mvm xbar=0, src=global[0x0], dst=global[0x100], count=17, sstride=0, dstride=1, pix=0, bits=8, mode=window, win=0, accumulate=0
                halt";
    let p = program(
        code,
        vec![1.0; 9],
        vec![window_constant("w", square_window(4, 1, 3, 1, 1))],
        vec![],
    );
    let (_, _, fault) = execution_error(run(&p, &[]));
    assert_eq!(
        fault,
        Fault::PixelOutsideWindow {
            pixel: 16,
            pixels: 16
        }
    );
}

#[test]
fn pooling_in_place_is_rejected() {
    let code =
        "vop op=max_pool, dst=global[0x4], a=global[0x0], b=dram[0x0], len=16, count=1, param=0
                halt";
    let p = program(
        code,
        vec![],
        vec![window_constant("w", square_window(4, 1, 2, 2, 0))],
        vec![],
    );
    let (_, _, fault) = execution_error(run(&p, &[]));
    assert!(matches!(fault, Fault::PoolingInPlace { .. }), "{fault:?}");
}

/// A program with one input `x` [2, 3] and one output `y`, a copy of it.
fn two_by_three() -> Program {
    program(
        "load src=dram[0x100], dst=global[0x0], len=6, count=1, sstride=6, dstride=6
         store src=global[0x0], dst=dram[0x200], len=6, count=1, sstride=6, dstride=6
         halt",
        vec![],
        vec![],
        vec![input("x", &[2, 3], 0x100), output("y", &[2, 3], 0x200)],
    )
}

#[test]
fn missing_input() {
    let err = run(&two_by_three(), &[]).unwrap_err();
    assert!(
        matches!(&err, SimError::MissingInput { name, .. } if name == "x"),
        "{err:?}"
    );
    assert!(err.to_string().contains("input `x` is missing"), "{err}");
}

#[test]
fn unknown_and_duplicate_inputs() {
    let x = Tensor::zeros(vec![2, 3]);
    let err = run(&two_by_three(), &[("x", x.clone()), ("z", x.clone())]).unwrap_err();
    assert!(
        err.to_string()
            .contains("`z` is not an input of the program (its inputs: x [2, 3])"),
        "{err}"
    );
    let err = run(&two_by_three(), &[("x", x.clone()), ("x", x)]).unwrap_err();
    assert!(matches!(err, SimError::DuplicateInput { .. }), "{err:?}");
}

#[test]
fn input_shape_mismatch_names_binding_and_shapes() {
    let err = run(&two_by_three(), &[("x", Tensor::zeros(vec![3, 2]))]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "input `x`: the program expects shape [2, 3], the tensor given has shape [3, 2]"
    );
}

#[test]
fn inputs_reach_outputs_through_dram() {
    let x = random(&[2, 3], 51);
    let out = run(&two_by_three(), &[("x", x.clone())]).unwrap();
    assert_eq!(out, vec![("y".to_string(), x)]);
}
