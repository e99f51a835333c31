//! Convolutions through window-mode `mvm` (im2col gathered on the fly from an HWC image),
//! compared with `kernels::conv`.

use super::*;
use crate::kernels::{conv, ConvParams, Window as KernelWindow};

/// The conv weight `w [cout, cin, kh, kw]` as the crossbar matrix `[(ky, kx, c), cout]`.
fn weight_matrix(w: &Tensor) -> Vec<f32> {
    let [cout, cin, kh, kw] = w.shape() else {
        panic!("conv weight must be 4-D")
    };
    let (cout, cin, kh, kw) = (*cout, *cin, *kh, *kw);
    let mut m = vec![0.0; kh * kw * cin * cout];
    for o in 0..cout {
        for c in 0..cin {
            for ky in 0..kh {
                for kx in 0..kw {
                    m[((ky * kw + kx) * cin + c) * cout + o] =
                        w.data()[((o * cin + c) * kh + ky) * kw + kx];
                }
            }
        }
    }
    m
}

/// 3x3 conv, 16 -> 8 channels, padding 1, on a 6x6 image, plus bias. The weight matrix has
/// 3*3*16 = 144 rows: rows 0..128 go on crossbar 0 (window 0, row0 = 0), rows 128..144 on
/// crossbar 1 (window 1, row0 = 128); `acc` adds the two partial results.
fn conv_code() -> String {
    format!(
        "wload xbar=0, src=dram[0x0],   stride=8, row=0, col=0, rows=128, cols=8, clear=true, copies=1, xstride=0
         wload xbar=1, src=dram[0x400], stride=8, row=0, col=0, rows=16,  cols=8, clear=true, copies=1, xstride=0
         {load}
         mvm xbar=0, src=global[0x0], dst=global[0x400], count=36, sstride=0, dstride=8, pix=0, bits=8, mode=window, win=0, accumulate=0
         mvm xbar=1, src=global[0x0], dst=global[0x600], count=36, sstride=0, dstride=8, pix=0, bits=8, mode=window, win=1, accumulate=0
         acc src=global[0x600], dst=global[0x400], len=8, count=36, sstride=8, dstride=8, shift=0
         vop op=bias, dst=global[0x400], a=global[0x400], b=dram[0x0], len=8, count=36, param=2
         {store}
         halt",
        load = to_hwc(0x10000, 0x0, 1, 16, 36),
        store = to_nchw(0x400, 0x20000, 1, 8, 36),
    )
}

/// The conv program, its input and the reference output.
pub(super) fn conv_case() -> (Program, Vec<(&'static str, Tensor)>, Tensor) {
    let x = random(&[1, 16, 6, 6], 10);
    let w = random(&[8, 16, 3, 3], 11);
    let b = random(&[8], 12);
    let window = square_window(6, 16, 3, 1, 1);
    let p = program(
        &conv_code(),
        weight_matrix(&w),
        vec![
            window_constant("conv.rows0", window),
            window_constant(
                "conv.rows128",
                Window {
                    row0: 128,
                    ..window
                },
            ),
            floats("conv.bias", b.data()),
        ],
        vec![
            input("x", &[1, 16, 6, 6], 0x10000),
            output("y", &[1, 8, 6, 6], 0x20000),
        ],
    );
    let params = ConvParams {
        window: KernelWindow {
            pads: vec![1, 1, 1, 1],
            ..KernelWindow::default()
        },
        group: 1,
    };
    let y = conv(&x, &w, Some(&b), &params).unwrap();
    (p, vec![("x", x)], y)
}

#[test]
fn padded_3x3_conv_split_over_two_crossbars_matches_kernels_conv() {
    let (p, inputs, expected) = conv_case();
    check(&p, &inputs, &expected, Tolerance::default());
}

/// Strided, dilated, asymmetrically padded conv on a channel slice of a wider image, the output
/// pixels split between two copies of the same weights (duplication: `pix`, `count`).
#[test]
fn strided_dilated_conv_on_a_channel_slice_with_duplicated_crossbars() {
    // Image 7x7x5 HWC; the conv reads channels 1..4 (cin 3), kernel 3x3, stride 2, dilation 2,
    // pads top 2, left 1, bottom 0, right 1: out_h = (7+2-4-1)/2+1 = 3, out_w = (7+2-4-1)/2+1 = 3.
    let x5 = random(&[1, 5, 7, 7], 20);
    let w = random(&[4, 3, 3, 3], 21);
    let window = Window {
        c0: 1,
        cn: 3,
        stride_h: 2,
        stride_w: 2,
        dilation_h: 2,
        dilation_w: 2,
        pad_top: 2,
        pad_left: 1,
        pad_bottom: 0,
        pad_right: 1,
        ..square_window(7, 5, 3, 2, 0)
    };
    assert_eq!((window.out_h(), window.out_w()), (3, 3));
    let code = format!(
        "wload xbar=0, src=dram[0x0], stride=4, row=0, col=0, rows=27, cols=4, clear=true, copies=1, xstride=0
         wload xbar=17, src=dram[0x0], stride=4, row=0, col=0, rows=27, cols=4, clear=true, copies=1, xstride=0
         {load}
         mvm xbar=0,  src=global[0x0], dst=global[0x200], count=5, sstride=0, dstride=4, pix=0, bits=8, mode=window, win=0, accumulate=0
         mvm xbar=17, src=global[0x0], dst=global[0x214], count=4, sstride=0, dstride=4, pix=5, bits=8, mode=window, win=0, accumulate=0
         {store}
         halt",
        load = to_hwc(0x10000, 0x0, 1, 5, 49),
        store = to_nchw(0x200, 0x20000, 1, 4, 9),
    );
    let p = program(
        &code,
        weight_matrix(&w),
        vec![window_constant("conv.window", window)],
        vec![
            input("x", &[1, 5, 7, 7], 0x10000),
            output("y", &[1, 4, 3, 3], 0x20000),
        ],
    );
    let x3 = tensor(&[1, 3, 7, 7], x5.data()[49..4 * 49].to_vec());
    let params = ConvParams {
        window: KernelWindow {
            strides: vec![2, 2],
            pads: vec![2, 1, 0, 1],
            dilations: vec![2, 2],
            ..KernelWindow::default()
        },
        group: 1,
    };
    let expected = conv(&x3, &w, None, &params).unwrap();
    check(&p, &[("x", x5)], &expected, Tolerance::default());
}
