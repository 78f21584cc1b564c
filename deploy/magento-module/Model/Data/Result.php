<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Model\Data;

use Magento\Framework\Api\AbstractSimpleObject;
use SalesChannel\Reservations\Api\Data\ResultInterface;

class Result extends AbstractSimpleObject implements ResultInterface
{
    public function getApplied(): bool
    {
        return (bool)$this->_get(self::APPLIED);
    }

    public function setApplied(bool $applied): ResultInterface
    {
        return $this->setData(self::APPLIED, $applied);
    }
}
