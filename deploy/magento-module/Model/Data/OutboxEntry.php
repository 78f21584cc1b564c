<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Model\Data;

use Magento\Framework\Api\AbstractSimpleObject;
use SalesChannel\Reservations\Api\Data\OutboxEntryInterface;

class OutboxEntry extends AbstractSimpleObject implements OutboxEntryInterface
{
    public function getEntryId(): int
    {
        return (int)$this->_get(self::ENTRY_ID);
    }

    public function getEvent(): string
    {
        return (string)$this->_get(self::EVENT);
    }

    public function getShipmentId(): int
    {
        return (int)$this->_get(self::SHIPMENT_ID);
    }

    public function getOrderId(): int
    {
        return (int)$this->_get(self::ORDER_ID);
    }

    public function getPayload(): string
    {
        return (string)$this->_get(self::PAYLOAD);
    }

    public function getCreatedAt(): string
    {
        return (string)$this->_get(self::CREATED_AT);
    }
}
