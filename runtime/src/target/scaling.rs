//! The area and leakage of a chip derived from another: each `[area]` component is scaled from the
//! base chip's figure by the count of the units it is made of (docs/targets.md §9), and each
//! `[leakage]` component follows its area. This is what keeps area efficiency meaningful when a
//! design-space sweep changes the hierarchy or the crossbar of a preset (`pimc explore --set`).
//!
//! | component | scales with |
//! |---|---|
//! | `cim_arrays` | cells on the chip (crossbars x rows x cols) |
//! | `adc` | ADCs on the chip (crossbars x ceil(cols / columns_per_adc)) x 2^adc_bits (comparator levels) |
//! | `accumulation` | ADCs on the chip (one shift-and-add per ADC) |
//! | `interconnect` | PEs on the chip (the H-tree's leaves) |
//! | `other` | crossbar rows on the chip (word-line decoders and drivers) |
//! | `unattributed` | PEs on the chip (NeuroSim's uncategorised area, §4 and §9) |

use super::Target;

/// The unit counts of a chip that its area components scale with, in `[area]` order.
fn unit_counts(t: &Target) -> [f64; 6] {
    let crossbars = t.total_crossbars() as f64;
    let pes = t.total_tiles() as f64 * t.pes_per_tile() as f64;
    let adcs = crossbars * f64::from(t.crossbar.cols.div_ceil(t.crossbar.columns_per_adc.max(1)));
    [
        crossbars * t.cells_per_crossbar() as f64,
        adcs * 2f64.powi(t.crossbar.adc_bits.min(64) as i32),
        adcs,
        pes,
        crossbars * f64::from(t.crossbar.rows),
        pes,
    ]
}

/// Per component, this chip's unit count over `base`'s (1 when the base has no such units).
fn ratios(base: &Target, chip: &Target) -> [f64; 6] {
    let (from, to) = (unit_counts(base), unit_counts(chip));
    std::array::from_fn(|i| if from[i] > 0.0 { to[i] / from[i] } else { 1.0 })
}

impl Target {
    /// Replaces `[area]` and `[leakage]` by `base`'s, each component scaled by the ratio of this
    /// chip's unit counts to `base`'s (see the module table). A chip with `base`'s hierarchy and
    /// crossbar gets `base`'s figures exactly.
    pub fn scale_area_and_leakage_from(&mut self, base: &Target) {
        let r = ratios(base, self);
        let (a, l) = (&base.area, &base.leakage);
        self.area.cim_arrays_mm2 = a.cim_arrays_mm2 * r[0];
        self.area.adc_mm2 = a.adc_mm2 * r[1];
        self.area.accumulation_mm2 = a.accumulation_mm2 * r[2];
        self.area.interconnect_mm2 = a.interconnect_mm2 * r[3];
        self.area.other_mm2 = a.other_mm2 * r[4];
        self.area.unattributed_mm2 = a.unattributed_mm2 * r[5];
        self.leakage.cim_arrays_mw = l.cim_arrays_mw * r[0];
        self.leakage.adc_mw = l.adc_mw * r[1];
        self.leakage.accumulation_mw = l.accumulation_mw * r[2];
        self.leakage.interconnect_mw = l.interconnect_mw * r[3];
        // `other` leakage covers the other and the unattributed area (docs/targets.md §9).
        let other_base = a.other_mm2 + a.unattributed_mm2;
        let other_ratio = if other_base > 0.0 {
            (self.area.other_mm2 + self.area.unattributed_mm2) / other_base
        } else {
            1.0
        };
        self.leakage.other_mw = l.other_mw * other_ratio;
    }
}
