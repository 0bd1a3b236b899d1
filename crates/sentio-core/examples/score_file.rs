//! Profiling aid: load a saved model file and score the first N texts of a
//! CSV once, single-threaded (small enough to run under cachegrind).
//! `cargo run --release -p sentio-core --example score_file -- MODEL TEST N`

use sentio_core::Model;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("model file");
    let model = Model::from_bytes(&bytes).expect("model");
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let mut r = csv::Reader::from_path(&args[2]).expect("open csv");
    let texts: Vec<String> = r
        .records()
        .take(n)
        .map(|rec| rec.expect("record")[0].to_string())
        .collect();
    let mut out = vec![0.0; model.classes().len()];
    let start = std::time::Instant::now();
    let mut wins = 0usize;
    for t in &texts {
        wins += model.predict_into(t, &mut out);
    }
    println!(
        "{} texts, {:?} each ({wins})",
        texts.len(),
        start.elapsed() / texts.len() as u32
    );
}
