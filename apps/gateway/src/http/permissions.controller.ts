import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ROLES, type PermissionsCatalog } from '@app/permissions';
import { PERMISSIONS_CATALOG } from '../gateway.tokens';
import { PermissionsView, answers } from './dto/views.dto';
import { problems } from './problems';

/** The deployment's permissions catalog (built in, plus PERMISSIONS_FILE): what each permission gates and needs. */
@ApiTags('permissions')
@ApiBearerAuth()
@Controller('v1/permissions')
export class PermissionsController {
  private readonly view: PermissionsView;

  constructor(@Inject(PERMISSIONS_CATALOG) catalog: PermissionsCatalog) {
    this.view = {
      permissions: [...catalog.permissions].map(([name, definition]) => ({
        name,
        gates: definition.gates,
        requires: [...definition.requires],
        minimumRole: definition.minimumRole,
        heldBy: ROLES.filter((role) => catalog.roleDefaults.get(role)?.has(name)),
        grantableIn: [...catalog.grantableByPlan]
          .filter(([, allowed]) => allowed === undefined || allowed.has(name))
          .map(([plan]) => plan),
      })),
    };
  }

  @Get()
  @ApiOperation({
    summary:
      'The permissions this deployment knows (R20): what each gates, what it requires, which roles hold it by default and in which plans it may be granted; the same for every signed-in caller',
  })
  @answers(200, PermissionsView, { lagging: false })
  @problems(401)
  list(): PermissionsView {
    return this.view;
  }
}
