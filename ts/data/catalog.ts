/**
 * Known public datasets for `sentio data pull`: where each comes from
 * officially, what the archive's sha256 must be, and the files Sentio
 * produces from it (CSV, header `text,label`, the same layout as a mirror
 * directory such as ../shared/data).
 *
 * Checksums here are of two kinds, and only these two:
 * - `official.sha256`: the published archive, as pinned by other projects
 *   (TensorFlow Datasets' url_checksums and several independent loaders agree
 *   on each value). Absent when no such value could be found offline.
 * - `files[].sha256`: the converted CSV files of the reference copy kept in
 *   ../shared/data (values from its READMEs, re-computed from the files).
 *   A mirror copy must match them exactly.
 * @module
 */

export interface CatalogFile {
  /** File name in the cache and in a mirror's `<dir>/`. */
  name: string;
  /** sha256 of the reference CSV, when known: a mirror copy must match it. */
  sha256?: string;
  bytes?: number;
  rows?: number;
}

export type ConverterId = 'imdb' | 'sst2' | 'uci_sentiment' | 'bbc_news';

export interface OfficialSource {
  url: string;
  /** Local name of the downloaded archive. */
  archive: string;
  /** Published sha256 of the archive; absent: recorded on first download (trust on first use). */
  sha256?: string;
  bytes?: number;
  /** How the archive becomes `files`. */
  converter: ConverterId;
}

export interface DatasetSpec {
  name: string;
  aliases: string[];
  title: string;
  classes: string[];
  homepage: string;
  license: string;
  citation: string;
  /** Directory under a mirror root (default: `name`). */
  mirrorDir?: string;
  files: CatalogFile[];
  /** null: there is no public download address; a mirror is the only way. */
  official: OfficialSource | null;
  note?: string;
}

export const CATALOG: readonly DatasetSpec[] = [
  {
    name: 'imdb',
    aliases: ['aclimdb', 'imdb_reviews'],
    title: 'Large Movie Review Dataset v1.0 (Maas et al. 2011): 25k train + 25k test movie reviews',
    classes: ['negative', 'positive'],
    homepage: 'https://ai.stanford.edu/~amaas/data/sentiment/',
    license: 'none stated; cite Maas et al. 2011',
    citation: 'Maas et al. 2011, Learning Word Vectors for Sentiment Analysis, ACL-HLT',
    files: [
      {
        name: 'train.csv',
        sha256: 'bf23afb97a051b5d2d83b1339371f0145555b7a9da4c1a68462b6ff8b45ffd82',
        bytes: 33496460,
        rows: 25000,
      },
      {
        name: 'test.csv',
        sha256: '8232e1a5dbcfe6982a5855bad658f248de4c467fd2da99c765f08b8a09fdf2ee',
        bytes: 32714375,
        rows: 25000,
      },
    ],
    official: {
      url: 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz',
      archive: 'aclImdb_v1.tar.gz',
      sha256: 'c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe',
      bytes: 84125825,
      converter: 'imdb',
    },
  },
  {
    name: 'sst2',
    aliases: ['sst-2', 'glue-sst2'],
    title:
      'Stanford Sentiment Treebank, binary (GLUE SST-2): 67k train + 872 dev phrases/sentences',
    classes: ['negative', 'positive'],
    homepage: 'https://nlp.stanford.edu/sentiment/',
    license: 'not stated in the GLUE archive; cite Socher et al. 2013',
    citation:
      'Socher et al. 2013, Recursive Deep Models for Semantic Compositionality Over a Sentiment Treebank, EMNLP',
    // GLUE's test split has no labels, so only train and dev are produced.
    files: [
      { name: 'train.csv', rows: 67349 },
      { name: 'dev.csv', rows: 872 },
    ],
    official: {
      url: 'https://dl.fbaipublicfiles.com/glue/data/SST-2.zip',
      archive: 'SST-2.zip',
      sha256: 'd67e16fb55739c1b32cdce9877596db1c127dc322d93c082281f64057c16deaa',
      bytes: 7439277,
      converter: 'sst2',
    },
  },
  {
    name: 'uci_sentiment',
    aliases: ['uci', 'sentiment_labelled_sentences'],
    title: 'Sentiment Labelled Sentences (Kotzias et al. 2015): 3k Amazon/IMDb/Yelp sentences',
    classes: ['negative', 'positive'],
    homepage: 'https://archive.ics.uci.edu/dataset/331/sentiment+labelled+sentences',
    license: 'UCI lists CC BY 4.0; cite Kotzias et al. 2015',
    citation: 'Kotzias et al. 2015, From Group to Individual Labels using Deep Features, KDD',
    files: [
      {
        name: 'all.csv',
        sha256: '265399a1ba1984af4dd298858718ab8ee220a1c8df1cea26ad35c1cabe7d10bc',
        bytes: 227868,
        rows: 3000,
      },
    ],
    official: {
      url: 'https://archive.ics.uci.edu/static/public/331/sentiment+labelled+sentences.zip',
      archive: 'sentiment+labelled+sentences.zip',
      sha256: 'afc26626d710899948693e1a61405dce197f57ffa719fa1130d346b4cc095343',
      converter: 'uci_sentiment',
    },
  },
  {
    name: 'airline_tweets',
    aliases: ['airline', 'twitter_airline'],
    title: 'Twitter US Airline Sentiment (Figure Eight / Kaggle), Feb 2015: 14.6k tweets',
    classes: ['negative', 'neutral', 'positive'],
    homepage: 'https://www.kaggle.com/datasets/crowdflower/twitter-airline-sentiment',
    license: 'Kaggle lists CC BY-NC-SA 4.0',
    citation: 'Figure Eight (CrowdFlower), Data for Everyone: Airline Twitter sentiment',
    files: [
      {
        name: 'all.csv',
        sha256: 'ca21bd5c42dad7b9c180551d790d6cf95428d39d5f16363d0a5933669fcb08f8',
        bytes: 1675638,
        rows: 14640,
      },
    ],
    official: null,
    note: 'its only public home, Kaggle, requires an account',
  },
  {
    name: 'bbc_news',
    aliases: ['bbc'],
    title: 'BBC News (Greene & Cunningham 2006): 2,225 articles in 5 topics',
    classes: ['business', 'entertainment', 'politics', 'sport', 'tech'],
    homepage: 'http://mlg.ucd.ie/datasets/bbc.html',
    license: 'articles (c) BBC; research use, cite Greene & Cunningham 2006',
    citation:
      'Greene & Cunningham 2006, Practical Solutions to the Problem of Diagonal Dominance in Kernel Document Clustering, ICML',
    files: [
      {
        name: 'all.csv',
        sha256: '44f46fcb74c6cb9248dce1d02ac47435a7054f5273e738e5864fbf94df9325dd',
        bytes: 5087312,
        rows: 2225,
      },
    ],
    official: {
      url: 'http://mlg.ucd.ie/files/datasets/bbc-fulltext.zip',
      archive: 'bbc-fulltext.zip',
      converter: 'bbc_news',
    },
  },
];

/** The catalog entry for a name or alias (case-insensitive), or undefined. */
export function findDataset(
  name: string,
  catalog: readonly DatasetSpec[] = CATALOG,
): DatasetSpec | undefined {
  const want = name.trim().toLowerCase();
  return catalog.find((d) => d.name === want || d.aliases.includes(want));
}
