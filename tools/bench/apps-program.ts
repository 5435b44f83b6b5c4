/**
 * The app-instances benchmark as a program for Pulumi's runner:
 *   <runner> … tools/bench/apps-program.ts <count>
 * (the runner passes the arguments after the program to it as process.argv).
 */
import { declareApps } from "./app-instances";

declareApps(Number(process.argv[2]));
