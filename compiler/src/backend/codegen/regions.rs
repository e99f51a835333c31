//! Image-strided DRAM regions and the address registers that let one copy of a segment's code
//! run every image of a batch in a `loop` (`docs/backend.md` §1).
//!
//! Image `i` of a value lives at `addr + i * stride`. Without loops the code of image `i` is
//! emitted with that address. With loops the code is emitted once, for image 0, and every
//! image-strided region is addressed through an address register that holds `i * stride`:
//! the scratch arena (the activations that cross a segment boundary, image-major: one arena per
//! image; other scratch is shared by the images and addressed absolutely)
//! uses `r1`, each binding and each batched constant its own register; a loop moves on only the
//! registers its body uses. Inside the generator a
//! register-relative address is a `u64` with the register in the bits above
//! [`REGISTER_SHIFT`] (the absolute address below): address arithmetic (bands, channels,
//! strided views) keeps working on it, and [`dram`] splits it into a [`MemRef`].

use super::R;
use pim_runtime::isa::{Field, Instruction, MemRef};

/// Bit position of the register in a register-relative address.
const REGISTER_SHIFT: u32 = 40;
/// Address registers the ISA has besides `r0` (always 0).
const REGISTERS: u32 = 15;
/// The register of the scratch arena.
pub(super) const ARENA: u32 = 1;

/// `addr` relative to address register `reg` (0: absolute).
pub(super) fn relative(reg: u32, addr: u64) -> u64 {
    (u64::from(reg) << REGISTER_SHIFT) | addr
}

/// The register of a (possibly register-relative) address.
pub(super) fn register_of(addr: u64) -> u32 {
    (addr >> REGISTER_SHIFT) as u32
}

/// `addr` moved by `delta` elements. A register-relative address wraps at 2^32, as the machine's
/// effective address `addr + r[reg]` does (a stage behind the loop's image addresses it with a
/// negative offset); an absolute one must stay in DRAM.
pub(super) fn offset(addr: u64, delta: i64) -> R<u64> {
    let low = addr & ((1 << REGISTER_SHIFT) - 1);
    if register_of(addr) == 0 {
        return low
            .checked_add_signed(delta)
            .filter(|&a| a < 1 << 32)
            .ok_or_else(|| format!("DRAM address {low:#x} {delta:+} is outside DRAM"));
    }
    let moved = (low as i64).wrapping_add(delta).rem_euclid(1 << 32) as u64;
    Ok((addr - low) | moved)
}

/// The DRAM operand of a (possibly register-relative) element address.
pub(super) fn dram(addr: u64) -> R<MemRef> {
    let absolute = addr & ((1 << REGISTER_SHIFT) - 1);
    let reg = u8::try_from(register_of(addr)).map_err(|_| "internal error: bad register")?;
    let addr = u32::try_from(absolute)
        .map_err(|_| format!("DRAM address {absolute:#x} exceeds 32 bits"))?;
    Ok(MemRef {
        reg,
        ..MemRef::dram(addr)
    })
}

/// The address registers of a looped program: the image stride of each, and the step counter
/// of pipelined segments.
#[derive(Debug, Clone, Default)]
pub(super) struct Registers {
    strides: Vec<u64>,
    step: Option<u32>,
}

impl Registers {
    /// A register for a region whose images are `stride` elements apart, if one is left.
    pub(super) fn claim(&mut self, stride: u64) -> Option<u32> {
        let reg = self.strides.len() as u32 + 1;
        (reg <= REGISTERS && i32::try_from(stride).is_ok()).then(|| {
            self.strides.push(stride);
            reg
        })
    }

    /// A register for the step counter of pipelined segments (never moved by image strides).
    pub(super) fn claim_step(&mut self) -> Option<u32> {
        let reg = self.claim(0)?;
        self.step = Some(reg);
        Some(reg)
    }

    /// The step counter's register, if claimed.
    pub(super) fn step(&self) -> Option<u32> {
        self.step
    }

    /// Sets the stride of a register claimed before its stride was known.
    pub(super) fn set_stride(&mut self, reg: u32, stride: u64) -> R<()> {
        let slot = self
            .strides
            .get_mut(reg as usize - 1)
            .ok_or("internal error: unclaimed register")?;
        i32::try_from(stride).map_err(|_| format!("an image stride of {stride} elements"))?;
        *slot = stride;
        Ok(())
    }

    /// Moves the registers `code` uses `images` images on (negative: back).
    pub(super) fn advance(&self, images: i64, code: &[Instruction]) -> R<Vec<Instruction>> {
        let used = used_registers(code);
        (1..)
            .zip(&self.strides)
            .filter(|(reg, &stride)| stride > 0 && used.contains(reg))
            .map(|(reg, &stride)| {
                let value = i32::try_from(stride as i64 * images)
                    .map_err(|_| format!("{images} images of {stride} elements exceed 2^31"))?;
                Ok(Instruction::RAdd { reg, value })
            })
            .collect()
    }

    /// Sets the registers `code` uses and moves back to 0.
    pub(super) fn reset(&self, code: &[Instruction]) -> Vec<Instruction> {
        let used = used_registers(code);
        (1..)
            .zip(&self.strides)
            .filter(|(reg, &stride)| stride > 0 && used.contains(reg))
            .map(|(reg, _)| Instruction::RSet { reg, value: 0 })
            .collect()
    }
}

/// The address registers `code`'s memory operands use.
fn used_registers(code: &[Instruction]) -> Vec<u32> {
    let mut used = 0u16;
    for inst in code {
        inst.for_each_field(|_, field| {
            if let Field::Memory(m) = field {
                used |= 1 << (m.reg & 15);
            }
        });
    }
    (1..16).filter(|r| used & (1 << r) != 0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pim_runtime::isa::Space;

    #[test]
    fn relative_addresses_keep_their_register_through_arithmetic() {
        let a = relative(3, 0x8000_0000) + 0x40;
        let m = dram(a).unwrap();
        assert_eq!((m.space, m.reg, m.addr), (Space::Dram, 3, 0x8000_0040));
        assert_eq!(dram(0x10).unwrap(), MemRef::dram(0x10));
        assert!(dram(1 << 33).is_err());
    }

    #[test]
    fn registers_advance_by_their_strides_and_run_out() {
        let mut r = Registers::default();
        assert_eq!(r.claim(100), Some(1));
        assert_eq!(r.claim(7), Some(2));
        let body = [Instruction::Load {
            src: dram(relative(1, 0)).unwrap(),
            dst: dram(relative(2, 0)).unwrap(),
            len: 1,
            count: 1,
            sstride: 1,
            dstride: 1,
        }];
        assert_eq!(
            r.advance(-2, &body).unwrap(),
            vec![
                Instruction::RAdd {
                    reg: 1,
                    value: -200
                },
                Instruction::RAdd { reg: 2, value: -14 }
            ]
        );
        assert_eq!(r.advance(1, &body[..0]).unwrap(), vec![]);
        assert_eq!(r.reset(&body).len(), 2);
        for _ in 2..REGISTERS {
            assert!(r.claim(1).is_some());
        }
        assert_eq!(r.claim(1), None);
        assert_eq!(r.claim(1 << 40), None);
    }
}
