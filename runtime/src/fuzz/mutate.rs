//! Byte-level mutations and the random numbers behind them (xorshift64*: deterministic from a
//! seed, so that a campaign and every finding can be replayed), and re-sealing a mutated
//! `.pimbin` (file length and CRC-32 fixed) so that mutations reach the decoder's later checks.

/// A small deterministic random number generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator of `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// Values that break size and index arithmetic.
const INTERESTING: [u64; 12] = [
    0,
    1,
    2,
    0x7f,
    0x80,
    0xff,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    1 << 40,
    u64::MAX,
];

/// Mutates byte strings.
#[derive(Debug, Clone)]
pub struct Mutator {
    /// The random numbers.
    pub rng: Rng,
}

impl Mutator {
    /// A mutator seeded with `seed`.
    pub fn new(seed: u64) -> Mutator {
        Mutator {
            rng: Rng::new(seed),
        }
    }

    /// `bytes` with one to four mutations.
    pub fn mutate(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        for _ in 0..1 + self.rng.below(4) {
            self.one(&mut out);
        }
        out
    }

    fn at(&mut self, bytes: &[u8]) -> usize {
        self.rng.below(bytes.len() as u64) as usize
    }

    fn one(&mut self, b: &mut Vec<u8>) {
        if b.is_empty() {
            b.push(self.rng.next_u64() as u8);
            return;
        }
        match self.rng.below(7) {
            0 => {
                let i = self.at(b);
                b[i] ^= 1 << self.rng.below(8);
            }
            1 => {
                let i = self.at(b);
                b[i] = self.rng.next_u64() as u8;
            }
            2 => {
                // An interesting value written as 1, 2, 4 or 8 little-endian bytes.
                let v = INTERESTING[self.rng.below(INTERESTING.len() as u64) as usize];
                let width = 1usize << self.rng.below(4);
                let i = self.at(b);
                for (k, byte) in v.to_le_bytes().iter().take(width).enumerate() {
                    if let Some(slot) = b.get_mut(i + k) {
                        *slot = *byte;
                    }
                }
            }
            3 => {
                let i = self.at(b);
                let n = (1 + self.rng.below(64) as usize).min(b.len() - i);
                b.drain(i..i + n);
            }
            4 => {
                let i = self.at(b);
                let n = 1 + self.rng.below(64) as usize;
                let fill: Vec<u8> = (0..n).map(|_| self.rng.next_u64() as u8).collect();
                b.splice(i..i, fill);
            }
            5 => {
                let keep = self.at(b);
                b.truncate(keep);
            }
            _ => {
                // Splice: a copy of one chunk over another.
                let (from, to) = (self.at(b), self.at(b));
                let n = (1 + self.rng.below(256) as usize)
                    .min(b.len() - from)
                    .min(b.len() - to);
                let chunk = b[from..from + n].to_vec();
                b[to..to + n].copy_from_slice(&chunk);
            }
        }
    }
}

/// `bytes` of a `.pimbin` with its `file_len` (bytes 16..24) and CRC-32 (bytes 12..16, over the
/// file with those bytes zero) made consistent again (`docs/isa.md` §13).
pub fn seal_pimbin(bytes: &mut [u8]) {
    if bytes.len() < 24 {
        return;
    }
    let len = bytes.len() as u64;
    bytes[16..24].copy_from_slice(&len.to_le_bytes());
    bytes[12..16].fill(0);
    let crc = crc32fast::hash(bytes);
    bytes[12..16].copy_from_slice(&crc.to_le_bytes());
}
