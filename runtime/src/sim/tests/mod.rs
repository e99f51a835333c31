//! Tests of the simulator: hand-assembled programs checked against the reference kernels, error
//! reporting, the fault-injection harness and `.npy` handling. Helpers shared by the test
//! modules live here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod control;
mod conv;
mod errors;
mod faults;
pub(crate) mod fc;
mod npy;
pub(crate) mod robust;
mod vector;

use super::{compare_outputs, SimError, Simulator, Tolerance};
use crate::container::{Binding, ConstValue, Constant, DType, Direction, Program, Window};
use crate::isa::assemble;
use crate::target::Target;
use crate::Tensor;

/// A program for compact-4x4 (128 x 128 crossbars of 16 8-bit weights per row, a
/// 131072-element global buffer) from assembly text, weights, constants and bindings.
pub(crate) fn program(
    code: &str,
    weights: Vec<f32>,
    constants: Vec<Constant>,
    bindings: Vec<Binding>,
) -> Program {
    let mut p = Program::new(Target::preset("compact-4x4").unwrap());
    p.code = assemble(code).unwrap();
    p.weights = weights;
    p.constants = constants;
    p.bindings = bindings;
    p
}

fn binding(name: &str, direction: Direction, shape: &[usize], dram_addr: u64) -> Binding {
    Binding {
        name: name.into(),
        direction,
        shape: shape.iter().map(|&d| d as u64).collect(),
        dtype: DType::F32,
        dram_addr,
    }
}

/// An input binding.
fn input(name: &str, shape: &[usize], dram_addr: u64) -> Binding {
    binding(name, Direction::Input, shape, dram_addr)
}

/// An output binding.
pub(crate) fn output(name: &str, shape: &[usize], dram_addr: u64) -> Binding {
    binding(name, Direction::Output, shape, dram_addr)
}

/// A constants-table entry of floats.
fn floats(name: &str, values: &[f32]) -> Constant {
    Constant {
        name: name.into(),
        value: ConstValue::Floats(values.to_vec()),
    }
}

/// A constants-table window entry.
fn window_constant(name: &str, w: Window) -> Constant {
    Constant {
        name: name.into(),
        value: ConstValue::Window(w),
    }
}

/// A square window over an `hw x hw x channels` HWC image, all channels, symmetric padding.
fn square_window(hw: u32, channels: u32, kernel: u32, stride: u32, pad: u32) -> Window {
    Window {
        in_h: hw,
        in_w: hw,
        channels,
        c0: 0,
        cn: channels,
        kernel_h: kernel,
        kernel_w: kernel,
        stride_h: stride,
        stride_w: stride,
        dilation_h: 1,
        dilation_w: 1,
        pad_top: pad,
        pad_left: pad,
        pad_bottom: pad,
        pad_right: pad,
        row0: 0,
        include_pad: false,
    }
}

fn tensor(shape: &[usize], data: Vec<f32>) -> Tensor {
    Tensor::new(shape.to_vec(), data).unwrap()
}

/// `n` deterministic pseudo-random values in [-1, 1).
pub(crate) fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A tensor of pseudo-random values.
fn random(shape: &[usize], seed: u64) -> Tensor {
    tensor(shape, values(shape.iter().product(), seed))
}

/// Runs `p` on `inputs` and checks its only output against `expected` within `tol`.
#[track_caller]
fn check(p: &Program, inputs: &[(&str, Tensor)], expected: &Tensor, tol: Tolerance) {
    let outputs = Simulator::run(p, inputs).unwrap_or_else(|e| panic!("run failed: {e}"));
    let name = outputs[0].0.clone();
    compare_outputs(&outputs, &[(name, expected.clone())], tol).unwrap_or_else(|e| panic!("{e}"));
}

/// The move of r2 from the end of one HWC image to the next (none after the last: a dead
/// `radd` would survive fault injection).
fn next_image(images: u32, channels: u32, pixels: u32) -> String {
    if images > 1 {
        format!("radd reg=r2, value={}", channels * pixels - channels)
    } else {
        String::new()
    }
}

/// Assembly: NCHW planes in DRAM at `dram` to one HWC image at global `buf` (one strided load
/// per channel: `len=1, count=pixels, sstride=1, dstride=channels`), for `images` images.
/// Uses r1 (DRAM) and r2 (buffer).
fn to_hwc(dram: u32, buf: u32, images: u32, channels: u32, pixels: u32) -> String {
    format!(
        "rset reg=r1, value={dram:#x}
         rset reg=r2, value={buf:#x}
         loop count={images}
           loop count={channels}
             load src=dram[r1+0x0], dst=global[r2+0x0], len=1, count={pixels}, sstride=1, dstride={channels}
             radd reg=r1, value={pixels}
             radd reg=r2, value=1
           endloop
           {next_image}
         endloop\n",
        next_image = next_image(images, channels, pixels),
    )
}

/// Assembly: HWC images at global `buf` back to NCHW planes in DRAM at `dram` (one strided
/// store per channel). Uses r1 (DRAM) and r2 (buffer).
fn to_nchw(buf: u32, dram: u32, images: u32, channels: u32, pixels: u32) -> String {
    format!(
        "rset reg=r1, value={dram:#x}
         rset reg=r2, value={buf:#x}
         loop count={images}
           loop count={channels}
             store src=global[r2+0x0], dst=dram[r1+0x0], len=1, count={pixels}, sstride={channels}, dstride=1
             radd reg=r1, value={pixels}
             radd reg=r2, value=1
           endloop
           {next_image}
         endloop\n",
        next_image = next_image(images, channels, pixels),
    )
}

/// The `SimError::Execution` of a failed run: (instruction index, asm, fault).
#[track_caller]
fn execution_error(
    result: Result<Vec<(String, Tensor)>, SimError>,
) -> (usize, String, super::Fault) {
    match result {
        Err(SimError::Execution { index, asm, fault }) => (index, asm, fault),
        other => panic!("expected an execution error, got {other:?}"),
    }
}
