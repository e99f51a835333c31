//! Random programs — small operands that are often out of bounds, crossbars often unloaded,
//! waits often unmatched, params of the wrong kind — never panic the simulator: every run ends
//! in outputs or a `SimError`.

use proptest::prelude::*;

use super::*;
use crate::container::Lrn;
use crate::isa::{Instruction, MemRef, MvmMode, Space, VOp};

/// A memory operand from a seed: DRAM, or an on-chip buffer (global, tile or PE 0..2), at an
/// address near the buffers' ends, with or without base register r1.
fn mem(seed: u32, on_chip: bool) -> MemRef {
    let space = if on_chip {
        [Space::Global, Space::Tile, Space::Pe][(seed % 3) as usize]
    } else {
        Space::Dram
    };
    let unit = if space.has_unit() { (seed >> 2) % 2 } else { 0 } as u16;
    let reg = ((seed >> 15) % 2) as u8;
    let addr = match ((seed >> 3) % 4, reg) {
        (_, 0) => (seed >> 5) % 0x100,
        (0, _) => 0,
        (1, _) => 0x1ff00,
        (2, _) => 0x2f0,
        _ => (seed >> 5) % 0x400,
    };
    MemRef {
        space,
        unit,
        reg,
        addr,
    }
}

/// An on-chip operand.
fn chip(seed: u32) -> MemRef {
    mem(seed, true)
}

/// A DRAM operand.
fn dram(seed: u32) -> MemRef {
    mem(seed, false)
}

/// An instruction of a random kind with small random fields.
pub(crate) fn instruction(s: [u32; 6]) -> Instruction {
    let small = |v: u32, n: u32| v % n;
    match s[0] % 10 {
        0 => Instruction::Load {
            src: dram(s[1]),
            dst: chip(s[2]),
            len: small(s[3], 300),
            count: small(s[4], 4),
            sstride: small(s[5], 300),
            dstride: small(s[5] >> 9, 300),
        },
        1 => Instruction::Copy {
            src: chip(s[1]),
            dst: chip(s[2]),
            len: small(s[3], 300),
            count: small(s[4], 4),
            sstride: small(s[5], 300),
            dstride: small(s[5] >> 9, 300),
        },
        2 => Instruction::WLoad {
            xbar: small(s[1], 4),
            src: MemRef::dram(small(s[2], 64)),
            stride: small(s[3], 20),
            row: small(s[4], 128),
            col: small(s[4] >> 8, 16),
            rows: 1 + small(s[5], 128 - small(s[4], 128)),
            cols: 1 + small(s[5] >> 8, 16 - small(s[4] >> 8, 16)),
            clear: s[5] & 1 == 1,
            copies: 1,
            xstride: 0,
        },
        3 | 4 => Instruction::Mvm {
            xbar: small(s[1], 4),
            src: chip(s[2]),
            dst: chip(s[3]),
            count: small(s[4], 20),
            sstride: if s[0] % 10 == 3 { small(s[5], 40) } else { 0 },
            dstride: small(s[5] >> 8, 40),
            pix: if s[0] % 10 == 4 {
                small(s[5] >> 16, 20)
            } else {
                0
            },
            bits: 8,
            mode: if s[0] % 10 == 3 {
                MvmMode::Dense
            } else {
                MvmMode::Window
            },
            win: if s[0] % 10 == 3 {
                0
            } else {
                small(s[1] >> 4, 4)
            },
            accumulate: s[2] & 1,
        },
        5 => Instruction::Acc {
            src: chip(s[1]),
            dst: chip(s[2]),
            len: small(s[3], 300),
            count: small(s[4], 4),
            sstride: small(s[5], 300),
            dstride: small(s[5] >> 9, 300),
            shift: small(s[5] >> 18, 32),
        },
        6 | 7 => Instruction::VecOp {
            op: VOp::ALL[(s[1] as usize) % VOp::ALL.len()],
            dst: chip(s[2]),
            a: chip(s[3]),
            b: chip(s[4]),
            len: [0, 1, 4, 16, 32][(s[5] % 5) as usize],
            count: small(s[5] >> 4, 4),
            param: small(s[5] >> 8, 4),
        },
        8 => Instruction::RSet {
            reg: 1,
            value: [0, 8, 0x1fff0, u32::MAX][(s[1] % 4) as usize],
        },
        _ => match s[1] % 3 {
            0 => Instruction::Signal { event: s[2] % 2 },
            1 => Instruction::Wait { event: s[2] % 2 },
            _ => Instruction::Store {
                src: chip(s[2]),
                dst: dram(s[3]),
                len: small(s[4], 64),
                count: small(s[5], 3),
                sstride: small(s[5] >> 4, 64),
                dstride: small(s[5] >> 12, 64),
            },
        },
    }
}

/// Floats, two windows (a 4x4x2 image, channel 1; the second with row0 = 8) and LRN parameters.
pub(crate) fn constants() -> Vec<Constant> {
    let w = Window {
        cn: 1,
        c0: 1,
        ..square_window(4, 2, 3, 1, 1)
    };
    vec![
        floats("one", &[0.5]),
        window_constant("w", w),
        window_constant("w8", Window { row0: 8, ..w }),
        Constant {
            name: "lrn".into(),
            value: ConstValue::Lrn(Lrn {
                size: 3,
                alpha: 1e-4,
                beta: 0.75,
                bias: 1.0,
            }),
        },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn random_programs_never_panic(seeds in prop::collection::vec(any::<[u32; 6]>(), 1..10)) {
        let mut p = program("halt", values(64, 80), constants(), vec![output("y", &[16], 0x100)]);
        p.code = seeds.into_iter().map(instruction).chain([Instruction::Halt {}]).collect();
        match Simulator::run::<&str>(&p, &[]) {
            Ok(out) => prop_assert_eq!(out.len(), 1),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
