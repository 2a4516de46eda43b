// Entry point of the `arcgis-token-vending` command: bin/arcgis-token-vending.mjs runs its compiled
// form (dist/lambda/cli/main.js) with plain Node; `npm run doctor` / `npm run smoke` run this source
// through tsx. It only dispatches: each subcommand takes the process's streams and environment as
// arguments, so tests run it in-process.
import { DOCTOR_USAGE, EXIT_USAGE, runDoctor, type DoctorIo } from './doctor.js';
import { runSmoke, SMOKE_USAGE } from './smoke.js';

const USAGE = `Usage: arcgis-token-vending <command>

Commands:
  doctor URL …   diagnose an ArcGIS site's token setup and print the configuration to deploy
                 ("arcgis-token-vending doctor --help" for its options)
  smoke --api URL
                 after a deployment: get a token from the deployed endpoint with your AWS
                 credentials ("arcgis-token-vending smoke --help" for its options)
`;

export async function runCli(argv: readonly string[], io: DoctorIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'doctor') return runDoctor(rest, io);
  if (command === 'smoke') return runSmoke(rest, io);
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(`${USAGE}\n${DOCTOR_USAGE}\n${SMOKE_USAGE}`);
    return 0;
  }
  io.stderr.write(command === undefined ? USAGE : `arcgis-token-vending: unknown command "${command}"\n\n${USAGE}`);
  return EXIT_USAGE;
}

process.exitCode = await runCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
