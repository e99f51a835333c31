//! Drawing helpers shared by the plots: an SVG canvas, a palette, log or linear axes from the
//! data's range, and line and scatter series with a legend. Every chart has a title and axes
//! labelled with their units.

use crate::{Error, Result};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::path::Path;

/// Canvas size, pixels.
pub const SIZE: (u32, u32) = (960, 640);

/// The colour of series `i`.
pub fn color(i: usize) -> RGBColor {
    const COLORS: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    COLORS[i % COLORS.len()]
}

/// A plotting failure as the compiler's error, naming the file.
pub fn plot_error(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |message| Error::Usage(format!("{}: drawing failed: {message}", path.display()))
}

/// A named series of (x, y) points.
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Points, in x order.
    pub points: Vec<(f64, f64)>,
}

/// Titles and axis labels of a chart.
pub struct Labels<'a> {
    /// Above the chart.
    pub title: &'a str,
    /// Under the x axis, with its unit.
    pub x: &'a str,
    /// Beside the y axis, with its unit.
    pub y: &'a str,
}

/// The smallest and largest value of `values` (positive ones only when `log`), widened so that
/// a constant series still has a visible range.
pub fn range(values: impl Iterator<Item = f64>, log: bool) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return if log { 1.0..10.0 } else { 0.0..1.0 };
    }
    if log {
        (lo / 1.5)..(hi * 1.5)
    } else {
        let pad = ((hi - lo) * 0.05).max(hi.abs() * 0.05).max(1e-9);
        (lo - pad)..(hi + pad)
    }
}

/// Whether values spanning `range` are best shown on a log axis (more than a decade).
pub fn spans_decades(range: &std::ops::Range<f64>) -> bool {
    range.start > 0.0 && range.end / range.start > 20.0
}

/// Draws `series` as lines with markers (or markers only when `lines` is false) on the given
/// axes into an SVG file.
pub fn draw_series<X, Y>(
    path: &Path,
    labels: &Labels,
    x: X,
    y: Y,
    series: &[Series],
    lines: bool,
) -> Result<()>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let fail = plot_error(path);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(labels.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x, y)
        .map_err(|e| fail(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc(labels.x)
        .y_desc(labels.y)
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    for (i, s) in series.iter().enumerate() {
        let c = color(i);
        if lines {
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
                .map_err(|e| fail(e.to_string()))?;
        }
        chart
            .draw_series(s.points.iter().map(|&p| Circle::new(p, 4, c.filled())))
            .map_err(|e| fail(e.to_string()))?
            .label(s.name.as_str())
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    root.present().map_err(|e| fail(e.to_string()))
}

/// Draws `series` with x and y each on a log axis when their data span decades, else linear.
pub fn draw_auto(path: &Path, labels: &Labels, series: &[Series], lines: bool) -> Result<()> {
    let xs = range(
        series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
        true,
    );
    let ys = range(
        series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
        true,
    );
    let (log_x, log_y) = (spans_decades(&xs), spans_decades(&ys));
    let lin = |values: &mut dyn Iterator<Item = f64>| range(values, false);
    let x_lin = lin(&mut series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let y_lin = lin(&mut series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    match (log_x, log_y) {
        (true, true) => draw_series(path, labels, xs.log_scale(), ys.log_scale(), series, lines),
        (true, false) => draw_series(path, labels, xs.log_scale(), y_lin, series, lines),
        (false, true) => draw_series(path, labels, x_lin, ys.log_scale(), series, lines),
        (false, false) => draw_series(path, labels, x_lin, y_lin, series, lines),
    }
}
