#!/usr/bin/env node
/**
 * The `sentio` command. Each subcommand lives in ./commands; this file only
 * wires them up and turns errors into a message and an exit code.
 * @module
 */
import { Command, CommanderError } from 'commander';
import { hasCode, SentioError } from '../errors/index.js';
import { registerArtifacts } from './commands/artifacts.js';
import { registerData } from './commands/data.js';
import { registerDemo } from './commands/demo.js';
import { registerDeploy } from './commands/deploy.js';
import { registerEnv } from './commands/env.js';
import { registerEval } from './commands/eval.js';
import { registerExportImport } from './commands/export-import.js';
import { registerFeedback } from './commands/feedback.js';
import { registerGc } from './commands/gc.js';
import { registerHistory } from './commands/history.js';
import { registerLogs } from './commands/logs.js';
import { registerModels } from './commands/models.js';
import { registerMonitor } from './commands/monitor.js';
import { registerPolicy } from './commands/policy.js';
import { registerPredict } from './commands/predict.js';
import { registerRollouts } from './commands/rollout.js';
import { registerRuns } from './commands/runs.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train.js';
import { color } from './output.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('sentio')
    .description('Sentio: train, register, serve and monitor text classifiers')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDemo(program);
  registerTrain(program);
  registerPredict(program);
  registerEval(program);
  registerData(program);
  registerModels(program);
  registerRuns(program);
  registerArtifacts(program);
  registerGc(program);
  registerExportImport(program);
  registerServe(program);
  registerLogs(program);
  registerFeedback(program);
  registerMonitor(program);
  registerDeploy(program);
  registerRollouts(program);
  registerHistory(program);
  registerEnv(program);
  registerPolicy(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
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
