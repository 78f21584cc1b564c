<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Model\Data;

use Magento\Framework\Api\AbstractSimpleObject;
use SalesChannel\Reservations\Api\Data\MetadataInterface;

class Metadata extends AbstractSimpleObject implements MetadataInterface
{
    public function getEventType(): string
    {
        return (string)$this->_get(self::EVENT_TYPE);
    }

    public function setEventType(string $eventType): MetadataInterface
    {
        return $this->setData(self::EVENT_TYPE, $eventType);
    }

    public function getObjectType(): string
    {
        return (string)$this->_get(self::OBJECT_TYPE);
    }

    public function setObjectType(string $objectType): MetadataInterface
    {
        return $this->setData(self::OBJECT_TYPE, $objectType);
    }

    public function getObjectId(): string
    {
        return (string)$this->_get(self::OBJECT_ID);
    }

    public function setObjectId(string $objectId): MetadataInterface
    {
        return $this->setData(self::OBJECT_ID, $objectId);
    }
}
