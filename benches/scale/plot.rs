//! The scaling bench's figure: run time and peak memory against the number of services, log-log, one line per step.

use super::Point;
use plotters::prelude::*;

const FONT: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/DejaVuSans.ttf"));
const COLORS: [RGBColor; 4] =
    [RGBColor(31, 119, 180), RGBColor(255, 127, 14), RGBColor(44, 160, 44), RGBColor(214, 39, 40)];

/// The figure as PNG bytes: two panels (run seconds, peak MiB) against services.
pub fn png(points: &[Point], title: &str) -> Vec<u8> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "font")
        .expect("the embedded font");
    let (w, h) = (1200u32, 520u32);
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let root = root.titled(title, ("sans-serif", 22)).unwrap();
        let panels = root.split_evenly((1, 2));
        panel(&panels[0], points, "run time [s]", |p| p.run_s);
        panel(&panels[1], points, "peak memory [MiB]", |p| p.peak_mib);
        root.present().unwrap();
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&rgb).unwrap();
    writer.finish().unwrap();
    out
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    points: &[Point],
    label: &str,
    y: impl Fn(&Point) -> f64,
) {
    let xs = points.iter().map(|p| p.services);
    let ys = points.iter().map(&y).filter(|v| *v > 0.0);
    let (x0, x1) = (xs.clone().fold(f64::MAX, f64::min) / 1.5, xs.fold(0.0, f64::max) * 1.5);
    let (y0, y1) = (ys.clone().fold(f64::MAX, f64::min) / 2.0, ys.fold(0.0, f64::max) * 2.0);
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
        .unwrap();
    chart
        .configure_mesh()
        .x_desc("services")
        .y_desc(label)
        .label_style(("sans-serif", 15))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| if *v >= 1.0 { format!("{v:.0}") } else { format!("{v:.2}") })
        .draw()
        .unwrap();
    let mut steps: Vec<&str> = points.iter().map(|p| p.step.as_str()).collect();
    steps.dedup();
    for (i, step) in steps.iter().enumerate() {
        let line: Vec<(f64, f64)> = points.iter().filter(|p| p.step == *step).map(|p| (p.services, y(p))).collect();
        let own: Vec<Point> = points
            .iter()
            .filter(|p| p.step == *step)
            .map(|p| Point { services: p.services, step: p.step.clone(), load_s: p.load_s, run_s: y(p), peak_mib: 0.0 })
            .collect();
        let slope = if own.len() >= 2 { super::exponent(&own, |p| p.run_s) } else { f64::NAN };
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))
            .unwrap()
            .label(format!("step {step}: N^{slope:.2}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3)));
        chart.draw_series(line.iter().map(|&p| Circle::new(p, 5, color.filled()))).unwrap();
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .unwrap();
}
