#!/usr/bin/env node
/**
 * The `sentio` command. Each subcommand lives in ./commands; this file only
 * wires them up and turns errors into a message and an exit code.
 * @module
 */
import { Command, CommanderError } from 'commander';
import { hasCode, SentioError } from '../errors/index.js';
import { color } from './output.js';
import { VERSION } from './version.js';

type Register = (program: Command) => void;

/**
 * Every top-level command, in help order, with the module that registers it.
 * Modules are imported on demand: `sentio train` never loads the server's
 * HTTP stack, which keeps every command's start-up short.
 */
const COMMANDS: ReadonlyArray<readonly [names: readonly string[], load: () => Promise<Register>]> =
  [
    [['demo'], async () => (await import('./commands/demo.js')).registerDemo],
    [['train'], async () => (await import('./commands/train.js')).registerTrain],
    [['predict'], async () => (await import('./commands/predict.js')).registerPredict],
    [['eval'], async () => (await import('./commands/eval.js')).registerEval],
    [['data'], async () => (await import('./commands/data.js')).registerData],
    [['models'], async () => (await import('./commands/models.js')).registerModels],
    [['runs'], async () => (await import('./commands/runs.js')).registerRuns],
    [['artifacts'], async () => (await import('./commands/artifacts.js')).registerArtifacts],
    [['gc'], async () => (await import('./commands/gc.js')).registerGc],
    [['store'], async () => (await import('./commands/store.js')).registerStore],
    [
      ['export', 'import'],
      async () => (await import('./commands/export-import.js')).registerExportImport,
    ],
    [['serve'], async () => (await import('./commands/serve.js')).registerServe],
    [['logs'], async () => (await import('./commands/logs.js')).registerLogs],
    [['feedback'], async () => (await import('./commands/feedback.js')).registerFeedback],
    [['monitor'], async () => (await import('./commands/monitor.js')).registerMonitor],
    [['alerts'], async () => (await import('./commands/alerts.js')).registerAlerts],
    [
      ['deploy', 'promote', 'rollback', 'approve'],
      async () => (await import('./commands/deploy.js')).registerDeploy,
    ],
    [['canary', 'shadow'], async () => (await import('./commands/rollout.js')).registerRollouts],
    [['history'], async () => (await import('./commands/history.js')).registerHistory],
    [['env'], async () => (await import('./commands/env.js')).registerEnv],
    [['policy'], async () => (await import('./commands/policy.js')).registerPolicy],
  ];

/** The command line's subcommand (first argument that is not an option), if any. */
function subcommandOf(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

/**
 * The program with the commands `argv` needs: only the named command's
 * module when it names a known one, else all of them (top-level help,
 * `help CMD`, unknown commands, library use).
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('sentio')
    .description('Sentio: train, register, serve and monitor text classifiers')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const name = subcommandOf(argv);
  const one = COMMANDS.find(([names]) => name !== undefined && names.includes(name));
  const registers = await Promise.all((one ? [one] : COMMANDS).map(([, load]) => load()));
  for (const register of registers) register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (hasCode(e)) {
      const exit = e instanceof SentioError ? e.exitCode : 1;
      process.stderr.write(`${color.red('error')} ${color.bold(e.code)}: ${e.message}\n`);
      return exit;
    }
    process.stderr.write(
      `${color.red('internal error')}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return 70;
  }
}

process.exitCode = await main(process.argv);
