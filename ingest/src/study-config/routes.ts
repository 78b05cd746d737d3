import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.ts';
import { deviceSettingsRoutes } from './device-settings-routes.ts';
import { interventionRoutes } from './intervention-routes.ts';
import { studyJsonRoutes } from './study-json-routes.ts';
import { surveyRoutes } from './survey-routes.ts';

/**
 * A study's configuration for Beiwe phones, under /api/v1: device settings, surveys and their
 * schedules, interventions, and Beiwe's study file. Paths are absolute (`/studies/:id/…`,
 * `/surveys/:id`, `/interventions/:id`, `/participants/:id/interventions`).
 */
export function studyConfigRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .route('/', deviceSettingsRoutes(deps))
    .route('/', surveyRoutes(deps))
    .route('/', interventionRoutes(deps))
    .route('/', studyJsonRoutes(deps));
}
