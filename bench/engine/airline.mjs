// The second dataset of the scikit-learn comparison: Sentio (native) and
// scikit-learn side by side on airline_tweets (3 classes, short texts), the
// same MODEL_CONFIG, the same deterministic split, the same texts on both
// sides. Training time, batch throughput, single-text latency and accuracy;
// no targets (context for the imdb figures: short tweets instead of
// ~1.3 KB reviews, three classes instead of two).
import { AIRLINE_CSV, MODEL_CONFIG } from './config.mjs';
import { labelCounts, loadAirline, tempCsvs } from './data.mjs';
import { runSklearn } from './peer-sklearn.mjs';
import { fmtTime } from './report.mjs';
import { measureBatch, measureSingle, measureTraining } from './sentio.mjs';

/**
 * `settings`: a profile's `airline` entry ({ sklearnRepeats, trainRepeats,
 * batchRepeats, singleCalls }). Returns the `airline_tweets` object of
 * engine.json, or `{ skipped }` when the file is absent.
 */
export async function measureAirline(native, settings, log) {
  const data = loadAirline();
  if (data === null) {
    const skipped = `${AIRLINE_CSV} not found (set SENTIO_BENCH_AIRLINE_CSV to airline_tweets/all.csv)`;
    log(`skipped: ${skipped}`);
    return { dataset: 'airline_tweets', skipped };
  }
  log(
    `${data.nFile} tweets: train ${data.train.n}, test ${data.test.n} (every 5th row; CSV read in ${fmtTime(data.csvLoadSeconds)})`,
  );
  const csvs = tempCsvs({ train: data.train, test: data.test });
  try {
    const sklearn = await runSklearn({
      trainFile: csvs.files.train,
      testFile: csvs.files.test,
      config: MODEL_CONFIG,
      repeats: settings.sklearnRepeats,
      singleCalls: settings.singleCalls,
      fitChild: false,
    });
    const { model, seconds, cpu_seconds } = await measureTraining(
      native,
      MODEL_CONFIG,
      data.train,
      settings.trainRepeats,
      log,
    );
    const batch = await measureBatch(model, data.test, settings.batchRepeats);
    log(
      `predictBatch ${Math.round(batch.docs_per_second_median)} docs/s, accuracy ${batch.accuracy.toFixed(4)}`,
    );
    const single = measureSingle(model, data.test.texts, settings.singleCalls);
    log(`predict median ${fmtTime(single.median)}, p90 ${fmtTime(single.p90)}`);
    const { labels, ...batchFigures } = batch;
    const out = {
      dataset: 'airline_tweets',
      settings,
      data: {
        file: data.file,
        file_bytes: data.fileBytes,
        n_file: data.nFile,
        split: data.split,
        n_train: data.train.n,
        n_test: data.test.n,
        train_label_counts: labelCounts(data.train.labels),
        test_label_counts: labelCounts(data.test.labels),
        csv_load_seconds: data.csvLoadSeconds,
      },
      config: MODEL_CONFIG,
      sentio: {
        n_features: model.nFeatures,
        classes: [...model.classes],
        accuracy: batch.accuracy,
        train: { api: 'engine.train (native trainAsync)', seconds, cpu_seconds },
        single,
        batch: batchFigures,
      },
      sklearn,
    };
    model.dispose();
    return out;
  } finally {
    csvs.cleanup();
  }
}
