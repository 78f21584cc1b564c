<?php
/**
 * SalesChannel_Reservations: MSI reservations for Pending Amazon orders, applied by the
 * Sales Channel pipeline through POST /V1/sales-channel/reservations.
 */
declare(strict_types=1);

use Magento\Framework\Component\ComponentRegistrar;

ComponentRegistrar::register(ComponentRegistrar::MODULE, 'SalesChannel_Reservations', __DIR__);
