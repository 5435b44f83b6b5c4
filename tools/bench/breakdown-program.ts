/**
 * One breakdown scenario as a program for Pulumi's runner:
 *   <runner> … tools/bench/breakdown-program.ts <scenario> <count>
 */
import { scenarioNamed } from "./breakdown-scenarios";

scenarioNamed(process.argv[2]).declare(Number(process.argv[3]));
