export { FailoverSlot, FailoverTarget, GlobalFailover, GlobalFailoverArgs } from "./global-failover";
export { ChallengeIssuer, GlobalNameChallengeAccess, GlobalNameChallengeAccessArgs, challengeRecordName } from "./global-certificate-access";
