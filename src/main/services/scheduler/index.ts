export { SchedulerService, JobRunError, type SchedulerOptions, type JobRunResult } from './scheduler-service';
export { validateJobSchedules, JobSchedule } from './schedule';
export { builtinJobs } from './jobs';
export type { JobContext, JobDefinition, JobRegistry, JobResult } from './job';
export { JobRunStore, type JobRun } from './job-runs';
