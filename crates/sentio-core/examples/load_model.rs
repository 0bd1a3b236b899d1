//! Model file size and load time for the benchmark model.
//! `cargo run --release -p sentio-core --example load_model -- TRAIN [TEST] [LOADS] [CONFIG_JSON]`
//!
//! Fits TRAIN once (default config: the engine bench's imdb config), writes
//! the model file to the temp directory (`sentio-load-model.bin`), then loads
//! it LOADS times (default 30) and prints the median / min / max load time
//! and the file size. TRAIN may also be a model file, which is loaded as is
//! (re-serializing must give the same bytes, so it must be the current format). With
//! TEST, also prints a checksum of the probabilities for the first 2,000 test
//! texts, so two builds can be compared for bit-identical predictions.

use std::time::Instant;

use sentio_core::{Model, TrainConfig, Trainer};

const BENCH_CONFIG: &str = r#"{"ngram_range":[1,2],"sublinear_tf":true,"min_df":2,"alpha":1}"#;

fn read(path: &str) -> (Vec<String>, Vec<String>) {
    let mut r = csv::Reader::from_path(path).expect("open csv");
    let (mut t, mut l) = (Vec::new(), Vec::new());
    for rec in r.records() {
        let rec = rec.expect("csv record");
        t.push(rec[0].to_string());
        l.push(rec[1].to_string());
    }
    (t, l)
}

/// CPU time of the calling thread, in ms: unlike wall time it does not count
/// waiting for a core on a busy shared machine.
#[cfg(target_os = "linux")]
fn thread_cpu_ms() -> f64 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: clock_gettime writes one timespec to the pointer it is given.
    unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.sec as f64 * 1e3 + ts.nsec as f64 / 1e6
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_ms() -> f64 {
    f64::NAN
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let train = args
        .get(1)
        .expect("usage: load_model TRAIN [TEST|-] [LOADS] [CONFIG_JSON]");
    let test = args.get(2).filter(|t| *t != "-");
    let loads: usize = args.get(3).map_or(30, |n| n.parse().expect("LOADS"));
    let cfg = TrainConfig::from_json(args.get(4).map_or(BENCH_CONFIG, String::as_str)).expect("config");
    let first = std::fs::read(train).expect("read TRAIN");
    let bytes = if first.starts_with(sentio_core::model_file::MAGIC) {
        // TRAIN is a model file already: just time loading it.
        first
    } else {
        drop(first);
        let (tt, tl) = read(train);
        let texts: Vec<&str> = tt.iter().map(String::as_str).collect();
        let labels: Vec<&str> = tl.iter().map(String::as_str).collect();
        let model = Trainer::fit(cfg, &texts, &labels).expect("fit");
        let path = std::env::temp_dir().join("sentio-load-model.bin");
        std::fs::write(&path, model.to_bytes()).expect("write model file");
        std::fs::read(&path).expect("read model file")
    };

    let mut times = Vec::with_capacity(loads);
    let mut cpu = Vec::with_capacity(loads);
    let mut loaded = None;
    for _ in 0..loads {
        let c = thread_cpu_ms();
        let t = Instant::now();
        let m = Model::from_bytes(&bytes).expect("load");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        cpu.push(thread_cpu_ms() - c);
        // Drop outside the timed region (the bench keeps models alive too).
        loaded = Some(m);
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let model = loaded.expect("at least one load");
    println!(
        "features {} | file {} bytes ({:.2} MiB) | load median {:.1} ms (min {:.1}, max {:.1}, {} loads; thread CPU median {:.1} ms)",
        model.n_features(),
        bytes.len(),
        bytes.len() as f64 / (1024.0 * 1024.0),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len(),
        cpu[cpu.len() / 2]
    );
    let t = Instant::now();
    let again = model.to_bytes();
    let save = t.elapsed();
    assert_eq!(again, bytes, "a loaded model re-serializes to the same bytes");
    let t = Instant::now();
    let terms = model.vocabulary().map_or(0, <[String]>::len);
    println!(
        "to_bytes {:.1} ms | first vocabulary() {:.1} ms ({terms} strings)",
        save.as_secs_f64() * 1e3,
        t.elapsed().as_secs_f64() * 1e3
    );
    if let Some(test) = test {
        let (et, _) = read(test);
        let etexts: Vec<&str> = et.iter().take(2000).map(String::as_str).collect();
        let batch = model.predict_batch(&etexts);
        let raw: Vec<u8> = batch.probabilities.iter().flat_map(|p| p.to_le_bytes()).collect();
        println!(
            "predictions of {} test texts: xxh3 {:016x}",
            etexts.len(),
            xxhash_rust::xxh3::xxh3_64(&raw)
        );
    }
}
