// A NestJS 11 app guarded by tripswitch: legacy decorators (experimentalDecorators + emitDecoratorMetadata),
// the dialect every NestJS project compiles with. main.ts runs it; test/legacy-decorators/nestjs.test.ts tests it.
import 'reflect-metadata';
import {
  type CallHandler,
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  HttpCode,
  HttpException,
  type INestApplication,
  Inject,
  Injectable,
  Module,
  type NestInterceptor,
  Post,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { Observable } from 'rxjs';
import { CircuitBreaker, circuitBreaker } from 'tripswitch';

/** Lets a request through only with `x-role: admin`. */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    return request.headers['x-role'] === 'admin';
  }
}

/** Copies the handler's `audit` metadata (set by `@SetMetadata`) into a response header. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const audit: unknown = Reflect.getMetadata('audit', context.getHandler());
    if (typeof audit === 'string')
      context.switchToHttp().getResponse<{ setHeader(k: string, v: string): void }>().setHeader('x-audit', audit);
    return next.handle();
  }
}

/** A dependency that can fail: its breaker answers from a fallback while it is open. */
@Injectable()
export class CatalogService {
  failing = false;

  @circuitBreaker({ failureThreshold: 2, recoveryTimeout: 30_000, fallback: () => ({ items: [], stale: true }) })
  async list(): Promise<{ items: string[]; stale: boolean }> {
    if (this.failing) throw new Error('catalog down');
    return { items: ['tea', 'coffee'], stale: false };
  }
}

@Controller('reports')
export class ReportsController {
  // tripswitch listed above the Nest decorators: they run first and store their metadata on the original method.
  @circuitBreaker({ name: 'reports.export' })
  @Get('export')
  @UseGuards(AdminGuard)
  exportAll(): { exported: boolean } {
    return { exported: true };
  }

  // tripswitch between them: @UseGuards ran before it, @Get after it.
  @Get('summary')
  @circuitBreaker({ name: 'reports.summary' })
  @UseGuards(AdminGuard)
  summary(): { report: string } {
    return { report: 'summary' };
  }

  // tripswitch listed below: it runs first, and Nest decorates the method tripswitch returned.
  @Get('daily')
  @UseGuards(AdminGuard)
  @circuitBreaker({ name: 'reports.daily' })
  daily(): { report: string } {
    return { report: 'daily' };
  }

  @circuitBreaker()
  @Post('rebuild')
  @HttpCode(202)
  @SetMetadata('audit', 'rebuild')
  rebuild(): { queued: boolean } {
    return { queued: true };
  }
}

@Controller('catalog')
export class CatalogController {
  // `@Inject` names the token, so the app also runs where no decorator metadata is emitted (esbuild, vitest).
  @Inject(CatalogService)
  private readonly catalog!: CatalogService;

  @Get()
  list(): Promise<{ items: string[]; stale: boolean }> {
    return this.catalog.list();
  }
}

/** Rate-limited per handler: @nestjs/throttler keys its buckets by class and method name. */
@Controller('limited')
@UseGuards(ThrottlerGuard)
export class LimitedController {
  @circuitBreaker()
  @Get('a')
  a(): string {
    return 'a';
  }

  @circuitBreaker()
  @Get('b')
  b(): string {
    return 'b';
  }
}

@Controller('health')
export class HealthController {
  /** Every breaker of the process, 503 while one is unhealthy. */
  @Get('circuits')
  circuits(): ReturnType<typeof CircuitBreaker.health> {
    const report = CircuitBreaker.health();
    if (report.status !== 'healthy') throw new HttpException(report, 503);
    return report;
  }
}

@Module({
  imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 2 }])],
  controllers: [ReportsController, CatalogController, LimitedController, HealthController],
  providers: [CatalogService, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
})
export class AppModule {}

/** Starts the app on an ephemeral port of 127.0.0.1; returns it and its base URL. */
export async function startApp(): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}
